package dev.kmodharness.loader;

import dev.kmodharness.api.Kmod;

/**
 * What a module's class loader asks of the module subsystem: the class gate for other modules'
 * exported packages, and the kernel services behind {@link Kmod}, which the loader hands over
 * for the module's classes.
 */
public interface ModuleLinkage extends Kmod.Host {

    /**
     * The class loader of the module that exports {@code pkg}, once that module may be linked
     * against: immediately when it is LIVE or built in; after waiting, as resolve_symbol_wait
     * does, while it is COMING. Called with no class-loading lock held.
     *
     * @return the exporter's loader, or null when no module exports {@code pkg}, its owner is
     *     going away, or the wait gave up
     */
    ModuleClassLoader exporterOf(String pkg, String className);
}
