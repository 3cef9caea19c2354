package dev.kmodharness.junit;

import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;

/**
 * One step of a test plugin's init (or exit), written as bytecode into the static method being
 * built; {@link InitSteps} has the ready-made ones, {@link PluginBuilder#does} adds them. The
 * code is straight-line: a step leaves the operand stack as it found it.
 */
@FunctionalInterface
public interface InitStep {

    /**
     * Writes the step into {@code code}, a static method of class {@code owner} (internal
     * name) that {@code cls} writes; it may add methods to {@code cls}.
     */
    void emit(ClassVisitor cls, String owner, MethodVisitor code);

    /** Whether the step always throws: then it is the last, and no return follows it. */
    default boolean ends() {
        return false;
    }
}
