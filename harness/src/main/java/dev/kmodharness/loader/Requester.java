package dev.kmodharness.loader;

import java.util.Set;

/**
 * Who asked a module's class loader for one of its own classes: the code on the stack that
 * started the load, found by walking past class loading itself and past the JDK (whose
 * ServiceLoader, Class.forName, reflection and method handle lookups act for their caller).
 * A module's own code, the JVM resolving a class this loader is defining, and the harness
 * (any code outside the modules and the JDK) are served by the loader asked. Another module's
 * code is served by its own loader, so it sees this module's classes only as its bytecode
 * would: exported, and past the COMING gate. Asked once per class and initiating loader (the
 * JVM records what a loader has loaded and does not ask again); the stack is walked only when
 * the direct caller is the JDK's (Class.forName, ServiceLoader). Stateless.
 */
final class Requester {

    private static final StackWalker WALKER = StackWalker.getInstance(
            Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE, StackWalker.Option.SHOW_REFLECT_FRAMES));

    private Requester() {
    }

    /**
     * The loader that should serve the current load from {@code asked}: {@code asked} or another
     * module's. {@code caller} called {@link ModuleClassLoader#loadClass(String)}; when it
     * decides (a module's class, the harness's), the stack is not walked.
     */
    static ModuleClassLoader of(ModuleClassLoader asked, Class<?> caller) {
        ModuleClassLoader decided = caller == ModuleClassLoader.class ? null : decide(caller, null, asked);
        return decided != null ? decided : WALKER.walk(frames -> frames
                .map(frame -> decide(frame.getDeclaringClass(), frame.getMethodName(), asked))
                .filter(d -> d != null)
                .findFirst()
                .orElse(asked));
    }

    /** The loader a frame of {@code c}'s method decides for, or null to look further down the stack. */
    private static ModuleClassLoader decide(Class<?> c, String method, ModuleClassLoader asked) {
        if (c == ModuleClassLoader.class) {
            // Defining one of a module's classes: the JVM resolves its supertypes through the
            // defining loader; nothing but the JVM runs in between.
            return "loadOwnClass".equals(method) ? asked : null;
        }
        ClassLoader loader = c.getClassLoader();
        if (loader instanceof ModuleClassLoader module) {
            return module;
        }
        if (loader == null || loader == ClassLoader.getPlatformClassLoader()
                || ClassLoader.class.isAssignableFrom(c) || c == Requester.class) {
            return null; // the JDK and class loading itself: acting for whoever called them
        }
        return asked; // the harness, or the program that runs it
    }
}
