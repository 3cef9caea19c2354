package dev.kmodharness.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Pins an {@link ExploreSchedules} method to one schedule: no exploration, one invocation, the
 * run of this replay token (as a failing invocation names it), the same run byte for byte.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Replay {
    String value();
}
