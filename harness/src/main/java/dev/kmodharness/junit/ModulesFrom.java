package dev.kmodharness.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Boots a {@link KernelTest}'s kernel on an existing modules directory, like
 * /lib/modules/VERSION, instead of a {@link ModuleSet}. The value is a path, relative to the
 * working directory, in which {@code ${name}} is replaced by the JUnit configuration parameter
 * {@code name} or, when there is none, the system property {@code name}:
 * {@code @ModulesFrom("${kmod.modules}/gvt-request")}. On a method it replaces the class's.
 * The directory is read, never changed or deleted.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface ModulesFrom {
    String value();
}
