package dev.kmodharness.module;

import dev.kmodharness.loader.ModuleClassLoader;
import dev.kmodharness.symbols.MemberRef;
import dev.kmodharness.symbols.ModuleImage;
import dev.kmodharness.symbols.SymbolTable;
import java.util.ArrayList;
import java.util.List;

/**
 * Modules built into the kernel image: their exports are the kernel's own (NULL owner, never
 * waited for) and their inits run at boot in order, as init/main.c's do_initcalls runs them.
 */
final class Builtins {

    private final ModuleList k;
    private final Modules modules;

    Builtins(ModuleList k, Modules modules) {
        this.k = k;
        this.modules = modules;
    }

    /**
     * Boots the built-ins: links them to each other (the kernel's NULL owner: never waits),
     * then runs their inits in the order given, on the calling thread.
     *
     * @throws IllegalArgumentException when a built-in needs a symbol no built-in exports
     */
    void boot(List<ModuleImage> images) {
        List<Module> booted = new ArrayList<>();
        k.sched.lock();
        try {
            for (ModuleImage image : images) {
                Module mod = new Module(modules, image, true);
                if (k.builtins.containsKey(mod.name)) {
                    throw new IllegalArgumentException("built-in " + mod.name + " named twice");
                }
                String duplicate = modules.load.duplicateExport(mod);
                if (duplicate != null) {
                    throw new IllegalArgumentException("built-in " + mod.name + " exports " + duplicate
                            + ", which another built-in exports too");
                }
                k.symbols.add(mod, image.exports(), image.exportedPackages());
                k.builtins.put(mod.name, mod);
                booted.add(mod);
                mod.record = k.timings.start(mod.name, k.sched.comm(Thread.currentThread()), true);
            }
            for (Module mod : booted) {
                for (MemberRef ref : mod.image.imports()) {
                    SymbolTable.Entry<Module> entry = k.symbols.find(ref);
                    if (entry == null || !entry.owner().builtin) {
                        throw new IllegalArgumentException("built-in " + mod.name + " needs " + ref
                                + ", which no built-in exports");
                    }
                }
                mod.loader = new ModuleClassLoader(mod.image, k.platform, mod);
                k.setState(mod, ModuleState.COMING);
            }
        } finally {
            k.sched.unlock();
        }
        for (Module mod : booted) {
            int ret = modules.initcall.runInit(mod);
            k.sched.lock();
            try {
                // A built-in's code stays whatever its init returned.
                k.setState(mod, ModuleState.LIVE);
                mod.refcnt = 0;
                k.sched.wakeUpAll(k.moduleWq);
            } finally {
                k.sched.unlock();
            }
            k.sched.lock();
            try {
                mod.record.result(ret);
            } finally {
                k.sched.unlock();
            }
        }
    }
}
