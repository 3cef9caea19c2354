package dev.kmodharness.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code java.nio.file.Path} field or parameter of a {@link KernelTest} that receives
 * the directory the test's kernel booted on (where its {@link ModuleSet} was written).
 */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ModulesDir {
}
