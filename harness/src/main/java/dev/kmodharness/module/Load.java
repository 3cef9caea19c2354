package dev.kmodharness.module;

import static dev.kmodharness.api.Errno.EDEADLK;
import static dev.kmodharness.api.Errno.ENOEXEC;

import dev.kmodharness.api.ModuleInitException;
import dev.kmodharness.loader.ModuleClassLoader;
import dev.kmodharness.symbols.ExportedSymbol;
import dev.kmodharness.symbols.ModuleImage;
import dev.kmodharness.symbols.SymbolTable;
import dev.kmodharness.time.Scheduler.Wake;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The load pipeline of kernel/module/main.c, top-down: init_module, load_module
 * (add_unformed_module, module_license_taint_check, simplify_symbols, complete_formation,
 * parse_args), then do_init_module.
 *
 * <p>Differs from the kernel where the JVM forces it: init is the static initializer of the
 * Module-Init class, run on the loading thread; a throwable other than
 * {@link ModuleInitException} fails init with -EFAULT, -ENOMEM for OutOfMemoryError (the
 * kernel would oops); exported
 * packages are owned like symbols, a second exporter of a package is refused like a duplicate
 * symbol.
 */
final class Load {

    private final ModuleList k;
    private final Modules modules;
    /** module.async_probe: the default of every module's async_probe_requested. */
    private final boolean asyncProbe;

    Load(ModuleList k, Modules modules, boolean asyncProbe) {
        this.k = k;
        this.modules = modules;
        this.asyncProbe = asyncProbe;
    }

    /**
     * init_module / load_module: loads the module, waiting as the kernel does for the owners of
     * its imports, and runs its init on the calling thread.
     *
     * @param params parameters as given (name to value); unknown ones are warned about and ignored
     * @return 0 when the module went LIVE, else a negative errno
     */
    int loadModule(ModuleImage image, Map<String, String> params) {
        k.sched.enter();
        try {
            return modules.dups.idempotentInitModule(image.path(), image.name(), () -> loadOnce(image, params));
        } finally {
            k.sched.exit();
        }
    }

    /** One load of the image, its timing record closed with the result. A task on entry. */
    private int loadOnce(ModuleImage image, Map<String, String> params) {
        Module mod = new Module(modules, image, false);
        k.sched.enter();
        try {
            int ret = load(mod, params);
            k.sched.lock();
            try {
                mod.record.result(ret);
            } finally {
                k.sched.unlock();
            }
            return ret;
        } finally {
            k.sched.exit();
        }
    }

    /** load_module on the calling task: the pipeline up to and including do_init_module. */
    private int load(Module mod, Map<String, String> params) {
        // Made before taking the kernel lock: it needs nothing the lock guards.
        ModuleClassLoader loader = new ModuleClassLoader(mod.image, k.platform, mod);
        k.sched.lock();
        try {
            mod.record = k.timings.start(mod.name, k.sched.comm(Thread.currentThread()), false);
            if (mod.image.formatFault() != null) {
                // elf_validity_check / check_modinfo: a malformed image is refused before the
                // module exists, with one line and -ENOEXEC
                k.dmesg.printk(mod.name + ": Invalid module format: " + mod.image.formatFault());
                return -ENOEXEC;
            }
            int err = modules.dups.addUnformedModule(mod);
            if (err != 0) {
                return err;
            }
            modules.taint.moduleLicenseTaintCheck(mod);
            err = modules.resolve.simplifySymbols(mod);
            mod.record.importsResolved();
            if (err == 0) {
                mod.loader = loader;
                err = completeFormation(mod);
            }
            if (err != 0) {
                modules.unload.freeModule(mod);
                return err;
            }
            mod.asyncProbeRequested = asyncProbe;
            mod.params = parseArgs(mod, params);
        } finally {
            k.sched.unlock();
        }
        return doInitModule(mod);
    }

    /**
     * complete_formation: refuses an export another formed module already has, then COMING:
     * its symbols become findable. Lock held.
     */
    private int completeFormation(Module mod) {
        String duplicate = duplicateExport(mod);
        if (duplicate != null) {
            k.dmesg.printk(mod.name + ": exports duplicate " + duplicate);
            return -ENOEXEC;
        }
        k.symbols.add(mod, mod.image.exports(), mod.image.exportedPackages());
        k.setState(mod, ModuleState.COMING);
        return 0;
    }

    /**
     * verify_exported_symbols: "symbol X (owned by Y)" for the first export someone else owns,
     * else null. Lock held.
     */
    String duplicateExport(Module mod) {
        for (ExportedSymbol symbol : mod.image.exports()) {
            SymbolTable.Entry<Module> owner = k.symbols.find(symbol.name());
            if (owner != null) {
                return "symbol " + symbol.name() + " (owned by " + ModuleList.moduleName(owner.owner()) + ")";
            }
        }
        for (String pkg : mod.image.exportedPackages()) {
            Module owner = k.symbols.packageOwner(pkg);
            if (owner != null) {
                return "package " + pkg + " (owned by " + ModuleList.moduleName(owner) + ")";
            }
        }
        return null;
    }

    /** parse_args with unknown_module_param_cb: unknown parameters are warned about and ignored. */
    private Map<String, String> parseArgs(Module mod, Map<String, String> params) {
        Map<String, String> known = new LinkedHashMap<>();
        params.forEach((given, value) -> {
            // parameq(): '-' and '_' are the same in a parameter's name
            String param = given.replace('-', '_');
            if (param.equals("async_probe")) {
                // kstrtobool; a value it cannot read (or none) means true
                mod.asyncProbeRequested = !(value.equals("0") || value.equalsIgnoreCase("n")
                        || value.equalsIgnoreCase("off") || value.equalsIgnoreCase("false"));
            } else if (mod.image.params().contains(param)) {
                known.put(param, value);
            } else {
                k.dmesg.printk(mod.name + ": unknown parameter '" + given + "' ignored");
            }
        });
        return Map.copyOf(known);
    }

    /**
     * do_init_module: runs init on the calling thread with no lock held. On failure: GOING,
     * freed, module_wq woken. On success: LIVE and the LIVE notifier, then
     * async_synchronize_full unless async_probe was requested (on 5.15 only when this task
     * queued async work during init, PF_USED_ASYNC; see {@link dev.kmodharness.release.Release}),
     * and only then the init reference dropped and module_wq woken: a symbol waiter sleeps
     * on through the async wait, though the module is LIVE and would link.
     *
     * <p>Under fail-fast an async_synchronize_full that closes a cycle is not waited: the module
     * stays LIVE and the load returns -EDEADLK.
     */
    private int doInitModule(Module mod) {
        k.sched.lock();
        try {
            // "We want to find out whether @mod uses async during init. Clear PF_USED_ASYNC."
            modules.async.takeUsedAsync();
        } finally {
            k.sched.unlock();
        }
        int ret = modules.initcall.runInit(mod);
        k.sched.lock();
        try {
            boolean usedAsync = modules.async.takeUsedAsync();
            if (ret < 0) {
                mod.initThread = null;
                k.setState(mod, ModuleState.GOING);
                modules.unload.freeModule(mod);
                return ret;
            }
            // Now it's a first class citizen!
            k.setState(mod, ModuleState.LIVE);
            boolean sync = !mod.asyncProbeRequested && (usedAsync || !k.release.syncAsyncOnlyIfInitQueuedAsync());
            if (sync && modules.async.pending()) {
                Wake wake = modules.async.synchronizeFull(mod, mod.name + " init (async_synchronize_full)");
                if (wake == Wake.DEADLOCK) {
                    ret = -EDEADLK;
                }
            }
            mod.initThread = null;
            // Drop initial reference.
            mod.refcnt--;
            k.sched.wakeUpAll(k.moduleWq);
            return ret < 0 ? ret : 0;
        } finally {
            k.sched.unlock();
        }
    }
}
