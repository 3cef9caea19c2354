package dev.kmodharness.api;

/**
 * What the harness puts in place of {@code System.exit}, {@code Runtime.exit} and
 * {@code Runtime.halt} in a module's code when it defines the module's classes: instead of
 * ending the JVM, they panic the module's kernel ({@code Kernel panic - not syncing: ...}), and
 * the calling task ends. Other kernels and the JVM run on. Plugins do not call these methods;
 * if one does, it panics its kernel all the same.
 */
public final class JvmExit {

    private JvmExit() {
    }

    /** In place of {@code System.exit(status)}. */
    public static void systemExit(int status) {
        Kmod.host().panic("System.exit(" + status + ")");
    }

    /** In place of {@code runtime.exit(status)}. */
    public static void runtimeExit(Runtime runtime, int status) {
        java.util.Objects.requireNonNull(runtime);
        Kmod.host().panic("Runtime.exit(" + status + ")");
    }

    /** In place of {@code runtime.halt(status)}. */
    public static void runtimeHalt(Runtime runtime, int status) {
        java.util.Objects.requireNonNull(runtime);
        Kmod.host().panic("Runtime.halt(" + status + ")");
    }
}
