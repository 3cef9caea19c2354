package dev.kmodharness.time;

import java.util.function.Predicate;

/**
 * Whether a stack frame is module code of one kernel: its class loader's name is one of the
 * kernel's modules (module class loaders are named for their module; the JDK's, the
 * application's and the harness's platform loader are not modules). Takes only the frame's
 * text, so it works on any thread's stack; a same-named module of another kernel in the same
 * JVM looks the same.
 */
public final class ModuleFrames implements Predicate<StackTraceElement> {

    private final Predicate<String> isModule;

    /** @param isModule whether a module of that name is in the kernel's directory or loaded */
    public ModuleFrames(Predicate<String> isModule) {
        this.isModule = isModule;
    }

    @Override
    public boolean test(StackTraceElement frame) {
        String loader = frame.getClassLoaderName();
        if (loader == null || loader.equals("app") || loader.equals("platform") || loader.equals("kmod-platform")) {
            return false;
        }
        return isModule.test(loader);
    }
}
