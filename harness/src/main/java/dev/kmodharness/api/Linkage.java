package dev.kmodharness.api;

/**
 * What the harness puts in place of two linking calls in a module's code when it defines the
 * module's classes. {@code Class.forName(name, initialize, loader)}: given another module's
 * class loader, the JVM would answer from that loader's record of the classes it has loaded,
 * its unexported ones included, without asking it; here the load is made with the calling
 * module's own loader instead, so it sees another module's classes only as its bytecode would:
 * exported, and once that module is past COMING. {@code lookup.findStatic(refc, name, type)}
 * on another module's class finds only what a static call could link: an exported symbol, a
 * GPL-only one only from a GPL-compatible module. Plugins do not call these.
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

    /** In place of {@code lookup.findStatic(refc, name, type)}. */
    public static java.lang.invoke.MethodHandle findStatic(java.lang.invoke.MethodHandles.Lookup lookup, Class<?> refc,
            String name, java.lang.invoke.MethodType type) throws NoSuchMethodException, IllegalAccessException {
        ClassLoader own = STACK.getCallerClass().getClassLoader();
        ClassLoader owner = refc.getClassLoader();
        if (own instanceof Kmod.HostLoader && owner instanceof Kmod.HostLoader && owner != own
                && !Kmod.host().linkable(refc.getName(), name, type.toMethodDescriptorString())) {
            // resolve_symbol: not found, or GPL-only for a module that is not GPL-compatible
            throw new NoSuchMethodException("Unknown symbol " + name + ": " + refc.getName() + "." + name
                    + type.toMethodDescriptorString() + " is not a symbol module " + Kmod.host().moduleName()
                    + " may link");
        }
        return lookup.findStatic(refc, name, type);
    }
}
