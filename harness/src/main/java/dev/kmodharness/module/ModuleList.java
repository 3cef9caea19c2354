package dev.kmodharness.module;

import dev.kmodharness.loader.PlatformLoader;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.panic.Panic;
import dev.kmodharness.panic.Tainted;
import dev.kmodharness.release.Release;
import dev.kmodharness.symbols.SymbolTable;
import dev.kmodharness.time.Scheduler;
import dev.kmodharness.time.TimerWheel;
import dev.kmodharness.time.WaitQueue;
import dev.kmodharness.timing.Timings;
import java.util.LinkedHashMap;
import java.util.function.Consumer;

/**
 * What the module files share, as kernel/module/internal.h declares it: the module list, the
 * built-ins, the exported symbols and module_wq, all guarded by the kernel lock (the
 * scheduler's, in the place of module_mutex), and the settings fixed at boot.
 */
final class ModuleList {

    final Scheduler sched;
    final Dmesg dmesg;
    /** The symbol wait's timeout in jiffies: resolve_symbol_wait's 30 * HZ. */
    final long symbolTimeoutJiffies;
    /** The release whose rules apply where they changed. */
    final Release release;
    /** jiffies and the timer wheel: when each timed wait fires. */
    final TimerWheel wheel;
    /** The COMING gate: off, a COMING module's symbols and classes pass as in a plain JVM. */
    final boolean gate;
    final PlatformLoader platform = new PlatformLoader();

    /** The module list in load order (/proc/modules shows it newest first). Guarded by the kernel lock. */
    final LinkedHashMap<String, Module> list = new LinkedHashMap<>();
    /** Built-in modules by name, in boot order. Guarded by the kernel lock; fixed after boot. */
    final LinkedHashMap<String, Module> builtins = new LinkedHashMap<>();
    /** Exports of formed modules and built-ins. Guarded by the kernel lock. */
    final SymbolTable<Module> symbols = new SymbolTable<>();
    /** module_wq: woken on every module going LIVE or away. */
    final WaitQueue moduleWq = new WaitQueue("module_wq");
    /** The init records of this boot. Guarded by the kernel lock. */
    final Timings timings;
    /** The module notifier chain; called with the kernel lock held. */
    private final Consumer<ModuleEvent> notifier;
    /**
     * last_unloaded_module as print_modules prints it ({@link ModuleFlags#lastUnloaded}); empty
     * until a module is unloaded. Guarded by the kernel lock.
     */
    String lastUnloaded = "";
    /** The kernel's taint mask (its own lock). */
    final Tainted tainted;
    /** panic() and oops: once panicked, for good. */
    final Panic panic;

    ModuleList(Scheduler sched, Dmesg dmesg, long symbolTimeoutNanos, boolean gate, Consumer<ModuleEvent> notifier,
            int timingRecords, Release release, TimerWheel wheel) {
        this.sched = sched;
        this.dmesg = dmesg;
        this.release = release;
        this.wheel = wheel;
        this.symbolTimeoutJiffies = wheel.jiffies().nsecsToJiffies(symbolTimeoutNanos);
        this.gate = gate;
        this.notifier = notifier;
        this.timings = new Timings(sched::now, timingRecords);
        this.tainted = new Tainted(release.taintFlags());
        this.panic = new Panic(dmesg, tainted, release.uname());
    }

    /** find_module_all: the loaded module or built-in named {@code name}, or null. Lock held. */
    Module find(String name) {
        Module mod = list.get(name);
        return mod != null ? mod : builtins.get(name);
    }

    /** Sets the state and calls the module notifier chain. Lock held. */
    void setState(Module mod, ModuleState state) {
        setStateQuietly(mod, state);
        notify(mod, state);
    }

    /** Sets the state without the notifier chain (try_stop_module marks a module GOING so). Lock held. */
    void setStateQuietly(Module mod, ModuleState state) {
        mod.state = state;
        if (mod.record != null) {
            mod.record.state(state.initstate());
        }
    }

    /** blocking_notifier_call_chain(&module_notify_list, state, mod). Lock held. */
    void notify(Module mod, ModuleState state) {
        notifier.accept(new ModuleEvent(mod.name, state, sched.now(), mod.loader));
    }

    /**
     * The timeout to give {@link Scheduler#waitEvent} for a wait of {@code jiffies} that starts
     * now: schedule_timeout through the timer wheel. A zero timeout does not wait at all.
     */
    long timeoutNanos(long jiffies) {
        return jiffies <= 0 ? 0 : wheel.timeoutNanos(sched.now(), jiffies);
    }

    /** module_name(): a built-in is part of the kernel image, NULL owner, "kernel". */
    static String moduleName(Module mod) {
        return mod.builtin ? "kernel" : mod.name;
    }
}
