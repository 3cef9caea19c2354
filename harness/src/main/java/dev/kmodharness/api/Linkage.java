package dev.kmodharness.api;

/**
 * What the harness puts in place of {@code Class.forName(name, initialize, loader)} in a
 * module's code when it defines the module's classes. Given another module's class loader, the
 * JVM would answer from that loader's record of the classes it has loaded, its unexported ones
 * included, without asking it; here the load is made with the calling module's own loader
 * instead, so it sees another module's classes only as its bytecode would: exported, and once
 * that module is past COMING. Any other loader is used as given. Plugins do not call this.
 */
public final class Linkage {

    private static final StackWalker STACK = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private Linkage() {
    }

    /** In place of {@code Class.forName(name, initialize, loader)}. */
    public static Class<?> forName(String name, boolean initialize, ClassLoader loader) throws ClassNotFoundException {
        ClassLoader own = STACK.getCallerClass().getClassLoader();
        if (own instanceof Kmod.HostLoader && loader instanceof Kmod.HostLoader && loader != own) {
            loader = own;
        }
        return Class.forName(name, initialize, loader);
    }
}
