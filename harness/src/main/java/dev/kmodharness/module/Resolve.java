package dev.kmodharness.module;

import static dev.kmodharness.api.Errno.EBUSY;
import static dev.kmodharness.api.Errno.EDEADLK;
import static dev.kmodharness.api.Errno.ENOENT;

import dev.kmodharness.loader.ModuleClassLoader;
import dev.kmodharness.lockdep.WaitFor;
import dev.kmodharness.symbols.MemberRef;
import dev.kmodharness.symbols.SymbolTable;
import dev.kmodharness.time.Scheduler.Wake;
import dev.kmodharness.timing.InitRecord;

/**
 * Symbol resolution of kernel/module/main.c: simplify_symbols, resolve_symbol_wait and
 * resolve_symbol, and the same COMING rule for the classes of another module's exported
 * packages (the class gate, which the JVM's class loading calls).
 */
final class Resolve {

    private final ModuleList k;
    private final Refcnt refcnt;

    Resolve(ModuleList k, Refcnt refcnt) {
        this.k = k;
        this.refcnt = refcnt;
    }

    /**
     * simplify_symbols: resolves every import in order; a failed one is logged and the loop
     * goes on, the load failing with the last error. Under fail-fast a deadlock ends the loop:
     * every later symbol would close the same cycle. Lock held; may wait 30 s per symbol.
     */
    int simplifySymbols(Module mod) {
        int ret = 0;
        for (MemberRef ref : mod.image.imports()) {
            Resolution r = resolveSymbolWait(mod, ref);
            if (r.err != 0) {
                k.dmesg.printk(mod.name + ": Unknown symbol " + r.symbol + " (err " + r.err + ")");
                ret = r.err;
                if (r.err == -EDEADLK) {
                    break;
                }
            }
        }
        return ret;
    }

    /** The outcome of resolve_symbol: an errno, the symbol's name and its owner, if found. */
    private static final class Resolution {
        int err;
        String symbol;
        Module owner;
    }

    /**
     * resolve_symbol_wait: waits on module_wq, up to the symbol timeout of kernel time, while
     * the symbol's owner is COMING (resolve_symbol gives -EBUSY). Lock held; released while
     * waiting.
     */
    private Resolution resolveSymbolWait(Module mod, MemberRef ref) {
        Resolution r = new Resolution();
        resolveSymbol(mod, ref, r);
        if (r.err != -EBUSY) {
            return r;
        }
        Module owner = r.owner;
        InitRecord.Wait pending = mod.record.waiting(r.symbol, owner.name);
        Wake wake = k.sched.waitEvent(k.moduleWq, () -> {
            resolveSymbol(mod, ref, r);
            return r.err != -EBUSY;
        }, k.timeoutNanos(k.symbolTimeoutJiffies), new WaitFor(mod.name + " resolving " + r.symbol, owner.loading));
        if (wake == Wake.DEADLOCK) {
            r.err = -EDEADLK;
        } else if (wake != Wake.DONE) {
            k.dmesg.printk(mod.name + ": gave up waiting for init of module " + r.owner.name + ".");
        }
        mod.record.waited(pending, r.err);
        return r;
    }

    /**
     * Whether {@code mod}'s code may link {@code ref} by name at run time (a method handle
     * looked up by name): resolve_symbol, without the wait, must succeed. Takes the kernel lock.
     */
    boolean linkable(Module mod, MemberRef ref) {
        k.sched.lock();
        try {
            Resolution r = new Resolution();
            resolveSymbol(mod, ref, r);
            return r.err == 0;
        } finally {
            k.sched.unlock();
        }
    }

    /**
     * resolve_symbol: find_symbol (a module tainted proprietary does not see GPL-only symbols),
     * inherit_taint, then ref_module. Lock held; never waits.
     */
    private void resolveSymbol(Module mod, MemberRef ref, Resolution r) {
        SymbolTable.Entry<Module> entry = k.symbols.find(ref);
        r.symbol = entry == null ? ref.name() : entry.symbol().name();
        r.owner = entry == null ? null : entry.owner();
        if (entry == null || (entry.symbol().gpl() && mod.proprietaryTaint)) {
            r.err = -ENOENT;
            return;
        }
        if (entry.symbol().gpl()) {
            mod.usingGplOnlySymbols = true;
        }
        if (entry.owner().builtin) {
            r.err = 0;
        } else if (!inheritTaint(mod, entry.owner(), r.symbol)) {
            r.err = -ENOENT;
        } else {
            r.err = refcnt.refModule(mod, entry.owner(), mod.name + " resolving " + r.symbol);
        }
    }

    /**
     * inherit_taint: a module using a proprietary module's symbols is tainted proprietary too,
     * with a warning, unless it uses GPL-only symbols, when the symbol is refused. The symbol's
     * name is in both messages since v5.19 (see {@link dev.kmodharness.release.Release}). Lock held.
     */
    private boolean inheritTaint(Module mod, Module owner, String symbol) {
        if (!owner.proprietaryTaint) {
            return true;
        }
        String symbols = k.release.inheritTaintNamesSymbol() ? "symbols " + symbol : "symbols";
        if (mod.usingGplOnlySymbols) {
            k.dmesg.printk(mod.name + ": module using GPL-only symbols uses " + symbols + " from proprietary module "
                    + owner.name + ".");
            return false;
        }
        if (!mod.proprietaryTaint) {
            k.dmesg.printk(mod.name + ": module uses " + symbols + " from proprietary module " + owner.name
                    + ", inheriting taint.");
            mod.proprietaryTaint = true;
        }
        return true;
    }

    /**
     * The COMING gate for a class of another module's exported package: waits, as
     * resolve_symbol_wait does and with the same timeout, while its owner is COMING.
     * Called from class loading with no class-loading lock held.
     */
    ModuleClassLoader exporterOf(Module requester, String pkg, String className) {
        k.sched.lock();
        try {
            Module owner = k.symbols.packageOwner(pkg);
            if (owner == null) {
                return null;
            }
            if (owner.builtin) {
                return owner.loader;
            }
            String activity = requester.name + " loading class " + className;
            if (owner.state == ModuleState.LIVE || (owner.state == ModuleState.COMING && !k.gate)) {
                // Linking to a class is using its module: ref_module, as for a symbol. With the
                // gate off the JVM may now block in class initialization, where the harness
                // cannot see; strongTryModuleGet has probed that edge.
                return refcnt.refModule(requester, owner, activity) == 0 ? owner.loader : null;
            }
            InitRecord.Wait pending = requester.record != null ? requester.record.waiting(className, owner.name) : null;
            Wake wake;
            // Only this branch can block: only here must the caller count as a task.
            k.sched.enter();
            try {
                wake = k.sched.waitEvent(k.moduleWq, () -> owner.state != ModuleState.COMING,
                        k.timeoutNanos(k.symbolTimeoutJiffies), new WaitFor(activity, owner.loading));
            } finally {
                k.sched.exit();
            }
            if (pending != null) {
                requester.record.waited(pending, wake == Wake.DONE ? 0 : wake == Wake.DEADLOCK ? -EDEADLK : -EBUSY);
            }
            if (wake == Wake.DEADLOCK) {
                k.dmesg.printk(requester.name + ": class " + className + " of module " + owner.name
                        + " not loaded (err -" + EDEADLK + ")");
                return null;
            }
            if (wake != Wake.DONE) {
                k.dmesg.printk(requester.name + ": gave up waiting for init of module " + owner.name + ".");
                return null;
            }
            return owner.state == ModuleState.LIVE && refcnt.refModule(requester, owner, activity) == 0
                    ? owner.loader : null;
        } finally {
            k.sched.unlock();
        }
    }
}
