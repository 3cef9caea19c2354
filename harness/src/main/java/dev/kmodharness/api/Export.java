package dev.kmodharness.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code public static} method of a class in one of the module's exported packages
 * ({@code Module-Exports}) as an exported symbol: EXPORT_SYMBOL, or EXPORT_SYMBOL_GPL with
 * {@code gpl = true}. The harness reads it from the class file without loading the class.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Export {

    /** The symbol's name; empty (the default) means the method's name. */
    String value() default "";

    /** EXPORT_SYMBOL_GPL: modules whose license is not GPL-compatible do not find it. */
    boolean gpl() default false;
}
