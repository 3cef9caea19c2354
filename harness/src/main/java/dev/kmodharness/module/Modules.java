package dev.kmodharness.module;

import static dev.kmodharness.api.Errno.EBUSY;
import static dev.kmodharness.api.Errno.EDEADLK;
import static dev.kmodharness.api.Errno.EEXIST;
import static dev.kmodharness.api.Errno.EFAULT;
import static dev.kmodharness.api.Errno.ENOENT;
import static dev.kmodharness.api.Errno.ENOEXEC;
import static dev.kmodharness.api.Errno.ENOMEM;
import static dev.kmodharness.api.Errno.EWOULDBLOCK;

import dev.kmodharness.api.ModuleInitException;
import dev.kmodharness.loader.ModuleClassLoader;
import dev.kmodharness.lockdep.DeadlockPolicy;
import dev.kmodharness.lockdep.Resource;
import dev.kmodharness.lockdep.WaitFor;
import dev.kmodharness.loader.PlatformLoader;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.symbols.ExportedSymbol;
import dev.kmodharness.symbols.MemberRef;
import dev.kmodharness.symbols.ModuleImage;
import dev.kmodharness.symbols.SymbolTable;
import dev.kmodharness.time.Scheduler;
import dev.kmodharness.time.Scheduler.Wake;
import dev.kmodharness.time.WaitQueue;
import dev.kmodharness.timing.InitRecord;
import dev.kmodharness.timing.Stamp;
import dev.kmodharness.timing.Timings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.BitSet;
import java.util.function.Consumer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The module subsystem of kernel/module/main.c: the module list, the load pipeline
 * (add_unformed_module, simplify_symbols with resolve_symbol_wait, complete_formation,
 * do_init_module) and module_wq. Every mutable field here and in {@link Module} is guarded by
 * the scheduler's kernel lock; every wait goes through {@link Scheduler#waitEvent}.
 *
 * <p>Differs from the kernel where the JVM forces it: init is the static initializer of the
 * Module-Init class, run on the loading thread; a throwable other than
 * {@link ModuleInitException} fails init with -EFAULT (the kernel would oops); exported
 * packages are owned like symbols, a second exporter of a package is refused like a duplicate
 * symbol.
 */
public final class Modules {

    /** Requests modprobe runs on behalf of a module: request_module. */
    public interface Requester {
        /** @param activity what the requesting thread is doing, for the wait-for graph ("i915 init") */
        int requestModule(String name, boolean wait, String activity);
    }

    private final Scheduler sched;
    private final Dmesg dmesg;
    private final long symbolTimeoutNanos;
    private final Requester requester;
    /** The COMING gate: off, a COMING module's symbols and classes pass as in a plain JVM. */
    private final boolean gate;
    private final PlatformLoader platform = new PlatformLoader();

    /** The module list in load order (/proc/modules shows it newest first). Guarded by the kernel lock. */
    private final LinkedHashMap<String, Module> list = new LinkedHashMap<>();
    /** Built-in modules by name, in boot order. Guarded by the kernel lock; fixed after boot. */
    private final LinkedHashMap<String, Module> builtins = new LinkedHashMap<>();
    /** Exports of formed modules and built-ins. Guarded by the kernel lock. */
    private final SymbolTable<Module> symbols = new SymbolTable<>();
    /** module_wq: woken on every module going LIVE or away. */
    private final WaitQueue moduleWq = new WaitQueue("module_wq");
    /** TAINT_PROPRIETARY_MODULE. Guarded by the kernel lock. */
    private boolean taintedProprietary;
    /** The init records of this boot. Guarded by the kernel lock. */
    private final Timings timings;
    /** initcall_debug: print "calling" and "initcall ... returned" around every init. */
    private final boolean initcallDebug;
    /** module.async_probe: the default of every module's async_probe_requested. */
    private final boolean asyncProbe;
    /** The module notifier chain; called with the kernel lock held. */
    private final Consumer<ModuleEvent> notifier;
    /**
     * Threads running async_schedule work, the async domain, each with the name of the module
     * that scheduled it, oldest first. Guarded by the kernel lock.
     */
    private final Map<Thread, String> asyncWorkers = new LinkedHashMap<>();
    /** Woken when async work finishes: async_synchronize_full waits on it. */
    private final WaitQueue asyncWq = new WaitQueue("async_done");
    /** WARN_ON_ONCE(wait && current_is_async()) fired. Guarded by the kernel lock. */
    private boolean warnedAsyncRequest;
    /** The async domain as the wait-for graph sees it: held by every async worker. */
    private final Resource asyncDomain = new Resource() {
        @Override
        public String describe() {
            return "async work";
        }

        @Override
        public Collection<Thread> holders() {
            return List.copyOf(asyncWorkers.keySet());
        }
    };

    /**
     * @param gate true for the kernel's COMING rule; false for JVM-native linking, where a
     *     COMING module's symbols and classes pass and only the JVM's class initialization
     *     makes anyone wait
     * @param timingRecords how many init records to keep
     */
    public Modules(Scheduler sched, Dmesg dmesg, long symbolTimeoutNanos, Requester requester, boolean gate,
            Consumer<ModuleEvent> notifier, boolean asyncProbe, boolean initcallDebug, int timingRecords) {
        this.notifier = notifier;
        this.initcallDebug = initcallDebug;
        this.timings = new Timings(sched::now, timingRecords);
        this.asyncProbe = asyncProbe;
        this.sched = sched;
        this.dmesg = dmesg;
        this.symbolTimeoutNanos = symbolTimeoutNanos;
        this.requester = requester;
        this.gate = gate;
    }

    Dmesg dmesg() {
        return dmesg;
    }

    /**
     * Boots the built-ins: links them to each other (the kernel's NULL owner: never waits),
     * then runs their inits in the order given, on the calling thread.
     *
     * @throws IllegalArgumentException when a built-in needs a symbol no built-in exports
     */
    public void boot(List<ModuleImage> images) {
        List<Module> booted = new ArrayList<>();
        sched.lock();
        try {
            for (ModuleImage image : images) {
                Module mod = new Module(this, image, true);
                if (builtins.containsKey(mod.name)) {
                    throw new IllegalArgumentException("built-in " + mod.name + " named twice");
                }
                String duplicate = duplicateExport(mod);
                if (duplicate != null) {
                    throw new IllegalArgumentException("built-in " + mod.name + " exports " + duplicate
                            + ", which another built-in exports too");
                }
                symbols.add(mod, image.exports(), image.exportedPackages());
                builtins.put(mod.name, mod);
                booted.add(mod);
                mod.record = timings.start(mod.name, sched.comm(Thread.currentThread()), true);
            }
            for (Module mod : booted) {
                for (MemberRef ref : mod.image.imports()) {
                    SymbolTable.Entry<Module> entry = symbols.find(ref);
                    if (entry == null || !entry.owner().builtin) {
                        throw new IllegalArgumentException("built-in " + mod.name + " needs " + ref
                                + ", which no built-in exports");
                    }
                }
                mod.loader = new ModuleClassLoader(mod.image, platform, mod);
                setState(mod, ModuleState.COMING);
            }
        } finally {
            sched.unlock();
        }
        for (Module mod : booted) {
            int ret = runInit(mod);
            sched.lock();
            try {
                // A built-in's code stays whatever its init returned.
                setState(mod, ModuleState.LIVE);
                mod.refcnt = 0;
                sched.wakeUpAll(moduleWq);
            } finally {
                sched.unlock();
            }
            sched.lock();
            try {
                mod.record.result(ret);
            } finally {
                sched.unlock();
            }
        }
    }

    /**
     * init_module / load_module: loads the module, waiting as the kernel does for the owners of
     * its imports, and runs its init on the calling thread.
     *
     * @param params parameters as given (name to value); unknown ones are warned about and ignored
     * @return 0 when the module went LIVE, else a negative errno
     */
    public int loadModule(ModuleImage image, Map<String, String> params) {
        Module mod = new Module(this, image, false);
        sched.enter();
        try {
            int ret = load(mod, params);
            sched.lock();
            try {
                mod.record.result(ret);
            } finally {
                sched.unlock();
            }
            return ret;
        } finally {
            sched.exit();
        }
    }

    /** load_module on the calling task: the pipeline up to and including do_init_module. */
    private int load(Module mod, Map<String, String> params) {
        // Made before taking the kernel lock: it needs nothing the lock guards.
        ModuleClassLoader loader = new ModuleClassLoader(mod.image, platform, mod);
        sched.lock();
        try {
            mod.record = timings.start(mod.name, sched.comm(Thread.currentThread()), false);
            int err = addUnformedModule(mod);
            if (err != 0) {
                return err;
            }
            moduleLicenseTaintCheck(mod);
            err = simplifySymbols(mod);
            mod.record.importsResolved();
            if (err == 0) {
                mod.loader = loader;
                err = completeFormation(mod);
            }
            if (err != 0) {
                freeModule(mod);
                return err;
            }
            mod.asyncProbeRequested = asyncProbe;
            mod.params = parseArgs(mod, params);
        } finally {
            sched.unlock();
        }
        return doInitModule(mod);
    }

    /**
     * add_unformed_module: a second load of a name whose first load is UNFORMED or COMING waits
     * for it to finish (no timeout), then fails: -EEXIST if it went LIVE, else -EBUSY. Lock held.
     */
    private int addUnformedModule(Module mod) {
        Module old = list.get(mod.name);
        if (old == null && builtins.containsKey(mod.name)) {
            return -EEXIST;
        }
        if (old != null) {
            if (old.state == ModuleState.COMING || old.state == ModuleState.UNFORMED) {
                Wake wake = sched.waitEvent(moduleWq, () -> finishedLoading(mod.name), -1,
                        new WaitFor("insmod " + mod.name + " (same name)", old.loading));
                if (wake == Wake.DEADLOCK) {
                    return -EDEADLK;
                }
                if (wake != Wake.DONE) {
                    return -EBUSY;
                }
                old = list.get(mod.name);
            }
            return old != null && old.state == ModuleState.LIVE ? -EEXIST : -EBUSY;
        }
        list.put(mod.name, mod);
        mod.initThread = Thread.currentThread();
        return 0;
    }

    private boolean finishedLoading(String name) {
        Module mod = list.get(name);
        return mod == null || mod.state == ModuleState.LIVE || mod.state == ModuleState.GOING;
    }

    /** module_license_taint_check: the first non-GPL module taints the kernel. Lock held. */
    private void moduleLicenseTaintCheck(Module mod) {
        if (mod.gplCompatible) {
            return;
        }
        if (!taintedProprietary) {
            String license = mod.image.license() == null ? "unspecified" : mod.image.license();
            dmesg.printk(mod.name + ": module license '" + license + "' taints kernel.");
            taintedProprietary = true;
        }
        dmesg.taint();
    }

    /**
     * simplify_symbols: resolves every import in order; a failed one is logged and the loop
     * goes on, the load failing with the last error. Under fail-fast a deadlock ends the loop:
     * every later symbol would close the same cycle. Lock held; may wait 30 s per symbol.
     */
    private int simplifySymbols(Module mod) {
        int ret = 0;
        for (MemberRef ref : mod.image.imports()) {
            Resolution r = resolveSymbolWait(mod, ref);
            if (r.err != 0) {
                dmesg.printk(mod.name + ": Unknown symbol " + r.symbol + " (err " + r.err + ")");
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
        Wake wake = sched.waitEvent(moduleWq, () -> {
            resolveSymbol(mod, ref, r);
            return r.err != -EBUSY;
        }, symbolTimeoutNanos, new WaitFor(mod.name + " resolving " + r.symbol, owner.loading));
        if (wake == Wake.DEADLOCK) {
            r.err = -EDEADLK;
        } else if (wake != Wake.DONE) {
            dmesg.printk(mod.name + ": gave up waiting for init of module " + r.owner.name + ".");
        }
        mod.record.waited(pending, r.err);
        return r;
    }

    /** resolve_symbol: find_symbol, the GPL check, then ref_module. Lock held; never waits. */
    private void resolveSymbol(Module mod, MemberRef ref, Resolution r) {
        SymbolTable.Entry<Module> entry = symbols.find(ref);
        r.symbol = entry == null ? ref.name() : entry.symbol().name();
        r.owner = entry == null ? null : entry.owner();
        if (entry == null || (entry.symbol().gpl() && !mod.gplCompatible)) {
            r.err = -ENOENT;
        } else if (entry.owner().builtin) {
            r.err = 0;
        } else {
            r.err = refModule(mod, entry.owner(), mod.name + " resolving " + r.symbol);
        }
    }

    /** ref_module: records that {@code a} uses {@code b}, taking a reference on b. Lock held. */
    private int refModule(Module a, Module b, String activity) {
        if (a.uses.contains(b)) {
            return 0;
        }
        int err = strongTryModuleGet(b, activity);
        if (err != 0) {
            return err;
        }
        b.holders.addFirst(a);
        a.uses.addFirst(b);
        return 0;
    }

    /**
     * strong_try_module_get: COMING refuses with -EBUSY, GOING with -ENOENT. With the gate off
     * COMING passes, as a JVM links to a class still initializing; the edge is still probed
     * for a cycle. Lock held.
     */
    private int strongTryModuleGet(Module mod, String activity) {
        if (mod.state == ModuleState.COMING) {
            if (gate) {
                return -EBUSY;
            }
            if (probe(mod, activity) && sched.deadlockPolicy() == DeadlockPolicy.FAIL_FAST) {
                return -EDEADLK;
            }
        }
        if (mod.state != ModuleState.LIVE && mod.state != ModuleState.COMING) {
            return -ENOENT;
        }
        mod.refcnt++;
        return 0;
    }

    /**
     * complete_formation: refuses an export another formed module already has, then COMING:
     * its symbols become findable. Lock held.
     */
    private int completeFormation(Module mod) {
        String duplicate = duplicateExport(mod);
        if (duplicate != null) {
            dmesg.printk(mod.name + ": exports duplicate " + duplicate);
            return -ENOEXEC;
        }
        symbols.add(mod, mod.image.exports(), mod.image.exportedPackages());
        setState(mod, ModuleState.COMING);
        return 0;
    }

    /** Sets the state and calls the module notifier chain. Lock held. */
    private void setState(Module mod, ModuleState state) {
        mod.state = state;
        if (mod.record != null) {
            mod.record.state(state.initstate());
        }
        notifier.accept(new ModuleEvent(mod.name, state, sched.now(), mod.loader));
    }

    /** "symbol X (owned by Y)" for the first export someone else owns, else null. Lock held. */
    private String duplicateExport(Module mod) {
        for (ExportedSymbol symbol : mod.image.exports()) {
            SymbolTable.Entry<Module> owner = symbols.find(symbol.name());
            if (owner != null) {
                return "symbol " + symbol.name() + " (owned by " + moduleName(owner.owner()) + ")";
            }
        }
        for (String pkg : mod.image.exportedPackages()) {
            Module owner = symbols.packageOwner(pkg);
            if (owner != null) {
                return "package " + pkg + " (owned by " + moduleName(owner) + ")";
            }
        }
        return null;
    }

    /** module_name(): a built-in is part of the kernel image, NULL owner, "kernel". */
    private static String moduleName(Module mod) {
        return mod.builtin ? "kernel" : mod.name;
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
                dmesg.printk(mod.name + ": unknown parameter '" + given + "' ignored");
            }
        });
        return Map.copyOf(known);
    }

    /**
     * do_init_module: runs init on the calling thread with no lock held, then LIVE (dropping
     * the init reference) or GOING and freed; either way wakes module_wq.
     */
    private int doInitModule(Module mod) {
        int ret = runInit(mod);
        sched.lock();
        try {
            if (ret >= 0 && !mod.asyncProbeRequested && !asyncWorkers.isEmpty()) {
                // async_synchronize_full: init is not done until all async work is.
                InitRecord.Wait pending = mod.record.waiting(InitRecord.ASYNC_SYNCHRONIZE_FULL,
                        asyncWorkers.values().iterator().next());
                Wake wake = sched.waitEvent(asyncWq, asyncWorkers::isEmpty, -1,
                        new WaitFor(mod.name + " init (async_synchronize_full)", asyncDomain));
                if (wake == Wake.DEADLOCK) {
                    ret = -EDEADLK;
                }
                mod.record.waited(pending, wake == Wake.DEADLOCK ? -EDEADLK : 0);
            }
            mod.initThread = null;
            if (ret < 0) {
                setState(mod, ModuleState.GOING);
                sched.wakeUpAll(moduleWq);
                freeModule(mod);
                return ret;
            }
            setState(mod, ModuleState.LIVE);
            mod.refcnt--;
            sched.wakeUpAll(moduleWq);
            return 0;
        } finally {
            sched.unlock();
        }
    }

    /**
     * delete_module: refuses a module others use (-EWOULDBLOCK), one not LIVE (-EBUSY), one
     * with an init but no exit (-EBUSY), one whose references are held (-EWOULDBLOCK); else
     * GOING, its exit run on the calling thread with no lock held, freed, module_wq woken.
     *
     * @return 0, or a negative errno (-ENOENT when it is not loaded)
     */
    public int deleteModule(String name) {
        sched.enter();
        try {
            Module mod;
            sched.lock();
            try {
                mod = list.get(name);
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
                setState(mod, ModuleState.GOING);
            } finally {
                sched.unlock();
            }
            runExit(mod);
            sched.lock();
            try {
                freeModule(mod);
            } finally {
                sched.unlock();
            }
            return 0;
        } finally {
            sched.exit();
        }
    }

    /** module_exit: the Module-Exit class's {@code public static void exit()}. No lock held. */
    private void runExit(Module mod) {
        if (mod.image.exitClass() == null) {
            return;
        }
        try {
            Class.forName(mod.image.exitClass(), true, mod.loader).getMethod("exit").invoke(null);
        } catch (java.lang.reflect.InvocationTargetException e) {
            dmesg.printk(mod.name + ": module_exit threw " + e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            dmesg.printk(mod.name + ": module_exit not run: " + e);
        }
    }

    /** try_module_get: COMING and LIVE modules (and built-ins) give a reference. */
    boolean tryModuleGet(String name) {
        sched.lock();
        try {
            if (builtins.containsKey(name)) {
                return true;
            }
            Module mod = list.get(name);
            if (mod == null || (mod.state != ModuleState.LIVE && mod.state != ModuleState.COMING)) {
                return false;
            }
            mod.refcnt++;
            return true;
        } finally {
            sched.unlock();
        }
    }

    /** module_put. */
    void modulePut(String name) {
        sched.lock();
        try {
            Module mod = list.get(name);
            if (mod != null && mod.refcnt > 0) {
                mod.refcnt--;
            }
        } finally {
            sched.unlock();
        }
    }

    /**
     * schedule_work / async_schedule: runs {@code work} on a new kernel worker thread, a task
     * of the kernel until it ends (so the kernel is not idle before).
     */
    void scheduleWork(Module mod, Runnable work, boolean async) {
        String thread = (async ? "async " : "kworker ") + mod.name;
        sched.lock();
        try {
            Thread worker = sched.spawn(thread, () -> {
                try {
                    work.run();
                } catch (RuntimeException | LinkageError e) {
                    dmesg.printk(mod.name + ": work threw " + e);
                } finally {
                    sched.lock();
                    try {
                        asyncWorkers.remove(Thread.currentThread());
                        sched.wakeUpAll(asyncWq);
                    } finally {
                        sched.unlock();
                    }
                }
            });
            if (async) {
                // In the async domain from now on, not only once it runs; it cannot finish
                // before this, as it needs the lock to.
                asyncWorkers.put(worker, mod.name);
            }
        } finally {
            sched.unlock();
        }
    }

    /** Initializes the Module-Init class: module_init. Returns 0 or a negative errno. No lock held. */
    private int runInit(Module mod) {
        if (mod.image.initClass() == null) {
            return 0;
        }
        String initcall = mod.image.initClass().substring(mod.image.initClass().lastIndexOf('.') + 1)
                + ".<clinit> [" + mod.name + "]";
        Stamp start;
        sched.lock();
        try {
            mod.record.initStart();
            start = timings.now();
            if (initcallDebug) {
                dmesg.printk("calling  " + initcall + " @ " + sched.pid(Thread.currentThread()));
            }
        } finally {
            sched.unlock();
        }
        int ret = callInit(mod);
        sched.lock();
        try {
            mod.record.initEnd(ret);
            if (initcallDebug) {
                dmesg.printk("initcall " + initcall + " returned " + ret + " after "
                        + (sched.now() - start.kernelNanos()) / 1000 + " usecs");
            }
        } finally {
            sched.unlock();
        }
        return ret;
    }

    /** Initializes the Module-Init class on the calling thread. No lock held. */
    private int callInit(Module mod) {
        try {
            Class.forName(mod.image.initClass(), true, mod.loader);
            return 0;
        } catch (ExceptionInInitializerError e) {
            Throwable cause = e.getCause();
            if (cause instanceof ModuleInitException failure) {
                return failure.errno();
            }
            return initThrew(mod, cause);
        } catch (ClassNotFoundException | LinkageError e) {
            return initThrew(mod, e);
        }
    }

    private int initThrew(Module mod, Throwable cause) {
        // A class or method that is not there is the JVM's unknown symbol.
        int errno = cause instanceof OutOfMemoryError ? -ENOMEM
                : cause instanceof LinkageError || cause instanceof ClassNotFoundException ? -ENOENT : -EFAULT;
        dmesg.printk(mod.name + ": module_init threw " + cause + " (err " + errno + ")");
        return errno;
    }

    /**
     * free_module: off the list, exports gone, references on the modules it used dropped;
     * wakes module_wq. Lock held.
     */
    private void freeModule(Module mod) {
        if (mod.state != ModuleState.UNFORMED) {
            symbols.remove(mod, mod.image.exports(), mod.image.exportedPackages());
        }
        mod.state = ModuleState.UNFORMED;
        list.remove(mod.name, mod);
        for (Module used : mod.uses) {
            used.holders.remove(mod);
            used.refcnt--;
        }
        mod.uses.clear();
        mod.loader = null;
        sched.wakeUpAll(moduleWq);
    }

    /**
     * The COMING gate for a class of another module's exported package: waits, as
     * resolve_symbol_wait does and with the same timeout, while its owner is COMING.
     * Called from class loading with no class-loading lock held.
     */
    ModuleClassLoader exporterOf(Module requester, String pkg, String className) {
        sched.lock();
        try {
            Module owner = symbols.packageOwner(pkg);
            if (owner == null) {
                return null;
            }
            if (owner.builtin) {
                return owner.loader;
            }
            String activity = requester.name + " loading class " + className;
            if (owner.state == ModuleState.LIVE || (owner.state == ModuleState.COMING && !gate)) {
                // Linking to a class is using its module: ref_module, as for a symbol. With the
                // gate off the JVM may now block in class initialization, where the harness
                // cannot see; strongTryModuleGet has probed that edge.
                return refModule(requester, owner, activity) == 0 ? owner.loader : null;
            }
            InitRecord.Wait pending = requester.record != null ? requester.record.waiting(className, owner.name) : null;
            Wake wake;
            // Only this branch can block: only here must the caller count as a task.
            sched.enter();
            try {
                wake = sched.waitEvent(moduleWq, () -> owner.state != ModuleState.COMING, symbolTimeoutNanos,
                        new WaitFor(activity, owner.loading));
            } finally {
                sched.exit();
            }
            if (pending != null) {
                requester.record.waited(pending, wake == Wake.DONE ? 0 : wake == Wake.DEADLOCK ? -EDEADLK : -EBUSY);
            }
            if (wake == Wake.DEADLOCK) {
                dmesg.printk(requester.name + ": class " + className + " of module " + owner.name
                        + " not loaded (err -" + EDEADLK + ")");
                return null;
            }
            if (wake != Wake.DONE) {
                dmesg.printk(requester.name + ": gave up waiting for init of module " + owner.name + ".");
                return null;
            }
            return owner.state == ModuleState.LIVE && refModule(requester, owner, activity) == 0 ? owner.loader : null;
        } finally {
            sched.unlock();
        }
    }

    /** Whether the current thread waiting on {@code owner} closes a cycle; lock held. */
    private boolean probe(Module owner, String activity) {
        return sched.probe(new WaitFor(activity, owner.loading)) != null;
    }

    int requestModule(Module mod, String name, boolean wait) {
        String activity;
        InitRecord.Request pending = null;
        sched.lock();
        try {
            activity = mod.name + (mod.initThread == Thread.currentThread() ? " init" : "");
            if (wait && asyncWorkers.containsKey(Thread.currentThread()) && !warnedAsyncRequest) {
                // WARN_ON_ONCE(wait && current_is_async()) in __request_module
                warnedAsyncRequest = true;
                dmesg.printk("------------[ cut here ]------------\n"
                        + "WARNING: at kernel/module/kmod.c __request_module: synchronous request_module(" + name
                        + ") from async work of " + mod.name + " [" + Thread.currentThread().getName() + "]\n"
                        + "---[ end trace ]---");
            }
            if (mod.record != null) {
                pending = mod.record.requesting(name, wait, sched.comm(Thread.currentThread()));
            }
        } finally {
            sched.unlock();
        }
        int ret = requester.requestModule(name, wait, activity);
        if (pending != null) {
            sched.lock();
            try {
                mod.record.requested(pending, ret);
            } finally {
                sched.unlock();
            }
        }
        return ret;
    }

    /** The init records of this boot, in load order. */
    public List<InitRecord> timings() {
        sched.lock();
        try {
            return timings.snapshot();
        } finally {
            sched.unlock();
        }
    }

    void msleep(long ms) {
        sched.enter();
        try {
            sched.sleep(TimeUnit.MILLISECONDS.toNanos(ms));
        } finally {
            sched.exit();
        }
    }

    /** The state of module {@code name}; built-ins are LIVE once booted. */
    public Optional<ModuleState> state(String name) {
        sched.lock();
        try {
            Module mod = find(name);
            return mod == null || mod.state == ModuleState.UNFORMED ? Optional.empty() : Optional.of(mod.state);
        } finally {
            sched.unlock();
        }
    }

    /**
     * Which of {@code names} modprobe counts as loaded (built in, LIVE or COMING), by position.
     * One look at the module list under the kernel lock, however many names (a modprobe's whole
     * dependency list).
     */
    public BitSet loadedAmong(List<String> names) {
        BitSet loaded = new BitSet(names.size());
        sched.lock();
        try {
            for (int i = 0; i < names.size(); i++) {
                Module mod = find(names.get(i));
                if (mod != null && (mod.state == ModuleState.LIVE || mod.state == ModuleState.COMING)) {
                    loaded.set(i);
                }
            }
        } finally {
            sched.unlock();
        }
        return loaded;
    }

    /** The loaded module or built-in named {@code name}, or null. Lock held. */
    private Module find(String name) {
        Module mod = list.get(name);
        return mod != null ? mod : builtins.get(name);
    }

    /** Whether {@code name} is built in. */
    public boolean isBuiltin(String name) {
        sched.lock();
        try {
            return builtins.containsKey(name);
        } finally {
            sched.unlock();
        }
    }

    /** Snapshot of the module list as /proc/modules shows it: formed modules, newest first. */
    public List<ModuleInfo> list() {
        sched.lock();
        try {
            List<ModuleInfo> infos = new ArrayList<>();
            for (Module mod : list.values()) {
                if (mod.state != ModuleState.UNFORMED) {
                    infos.add(0, mod.info());
                }
            }
            return infos;
        } finally {
            sched.unlock();
        }
    }

    /** Snapshot of one module, built-ins included (/sys/module/NAME). */
    public Optional<ModuleInfo> info(String name) {
        sched.lock();
        try {
            Module mod = find(name);
            return mod == null || mod.state == ModuleState.UNFORMED ? Optional.empty() : Optional.of(mod.info());
        } finally {
            sched.unlock();
        }
    }

    /** The class loader of module {@code name}, built-ins included, while it is formed. */
    public Optional<ClassLoader> classLoader(String name) {
        sched.lock();
        try {
            Module mod = find(name);
            return mod == null ? Optional.empty() : Optional.ofNullable(mod.loader);
        } finally {
            sched.unlock();
        }
    }
}
