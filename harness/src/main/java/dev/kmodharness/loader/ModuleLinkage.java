package dev.kmodharness.loader;

/**
 * What a module's class loader asks of the module subsystem: the class gate for other modules'
 * exported packages, and the kernel services behind {@link dev.kmodharness.api.Kmod}.
 */
public interface ModuleLinkage {

    /**
     * The class loader of the module that exports {@code pkg}, once that module may be linked
     * against: immediately when it is LIVE or built in; after waiting, as resolve_symbol_wait
     * does, while it is COMING. Called with no class-loading lock held.
     *
     * @return the exporter's loader, or null when no module exports {@code pkg}, its owner is
     *     going away, or the wait gave up
     */
    ModuleClassLoader exporterOf(String pkg, String className);

    int requestModule(String name, boolean wait);

    void printk(String line);

    String param(String name);

    String moduleName();

    void msleep(long ms);

    boolean tryModuleGet(String name);

    void modulePut(String name);

    void scheduleWork(Runnable work, boolean async);
}
