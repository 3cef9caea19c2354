package dev.kmodharness.module;

import static dev.kmodharness.api.Errno.EBUSY;
import static dev.kmodharness.api.Errno.ENOENT;
import static dev.kmodharness.api.Errno.EWOULDBLOCK;

/**
 * Unloading, kernel/module/main.c: the delete_module syscall, module_exit, and free_module,
 * which a failed load ends in too.
 */
final class Unload {

    private final ModuleList k;
    private final Async async;
    private final ModuleCode code;

    Unload(ModuleList k, Async async, ModuleCode code) {
        this.k = k;
        this.async = async;
        this.code = code;
    }

    /**
     * delete_module: refuses a module others use (-EWOULDBLOCK), one not LIVE (-EBUSY), one
     * with an init but no exit (-EBUSY), one whose references are held (-EWOULDBLOCK); else
     * try_stop_module takes the base reference (module_refcount() reads -1 from now on) and
     * marks it GOING; its exit runs on the calling thread with no lock held; then the GOING
     * notifier, async_synchronize_full (no timeout), last_unloaded_module, free_module and
     * module_wq woken.
     *
     * @return 0, or a negative errno (-ENOENT when it is not loaded)
     */
    int deleteModule(String name) {
        k.sched.enter();
        try {
            Module mod;
            k.sched.lock();
            try {
                mod = k.list.get(name);
                if (mod == null || mod.state == ModuleState.UNFORMED) {
                    return -ENOENT;
                }
                if (!mod.holders.isEmpty()) {
                    return -EWOULDBLOCK;
                }
                if (mod.state != ModuleState.LIVE) {
                    return -EBUSY;
                }
                if (mod.image.initClass() != null && mod.image.exitClass() == null) {
                    return -EBUSY;
                }
                if (mod.refcnt != 0) {
                    return -EWOULDBLOCK;
                }
                // try_release_module_ref: refcnt drops to 0, module_refcount() to -1
                mod.refcnt = -1;
                k.setStateQuietly(mod, ModuleState.GOING);
            } finally {
                k.sched.unlock();
            }
            runExit(mod);
            k.sched.lock();
            try {
                k.notify(mod, ModuleState.GOING);
                if (async.pending()) {
                    async.synchronizeFull(null, "rmmod " + mod.name + " (async_synchronize_full)");
                }
                // "Store the name of the last unloaded module for diagnostic purposes"
                k.lastUnloaded = ModuleFlags.lastUnloaded(k, mod);
                freeModule(mod);
            } finally {
                k.sched.unlock();
            }
            return 0;
        } finally {
            k.sched.exit();
        }
    }

    /**
     * module_exit: the Module-Exit class's {@code public static void exit()}, checked when the
     * module was loaded. Whatever it throws is one dmesg line; the module is freed all the same,
     * as delete_module frees a module whatever its exit did. No lock held.
     */
    private void runExit(Module mod) {
        if (mod.image.exitClass() == null) {
            return;
        }
        Throwable thrown = code.call(mod, () -> {
            mod.loader.loadClass(mod.image.exitClass()); // as in Initcall: no stack walk
            Class.forName(mod.image.exitClass(), true, mod.loader).getMethod("exit").invoke(null);
        });
        if (thrown instanceof java.lang.reflect.InvocationTargetException e && e.getCause() != null) {
            thrown = e.getCause();
        }
        if (thrown instanceof ExceptionInInitializerError e && e.getCause() != null) {
            thrown = e.getCause();
        }
        if (thrown != null && !code.panicked()) {
            k.dmesg.printk(mod.name + ": module_exit threw " + ModuleCode.oneLine(thrown));
        }
    }

    /**
     * free_module: off the list, exports gone, references on the modules it used dropped;
     * wakes module_wq. Lock held.
     */
    void freeModule(Module mod) {
        if (mod.state != ModuleState.UNFORMED) {
            k.symbols.remove(mod, mod.image.exports(), mod.image.exportedPackages());
        }
        mod.state = ModuleState.UNFORMED;
        k.list.remove(mod.name, mod);
        for (Module used : mod.uses) {
            used.holders.remove(mod);
            used.refcnt--;
        }
        mod.uses.clear();
        mod.loader = null;
        k.sched.wakeUpAll(k.moduleWq);
    }
}
