package dev.kmodharness.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Describes the module set of a {@link KernelTest}: a method with no parameters (static or
 * not) or a field, of type {@link PluginBuilder}, {@code PluginBuilder[]} or a
 * {@code Collection<PluginBuilder>}. Before each test the extension writes every plugin into a
 * new directory of its own (deleted after the test) and boots the kernel on it. All the
 * {@code @ModuleSet} members of the innermost class that has any are written, superclasses'
 * included.
 */
@Target({ElementType.METHOD, ElementType.FIELD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ModuleSet {
}
