package dev.kmodharness.module;

import dev.kmodharness.log.Dmesg;
import dev.kmodharness.release.Release;
import dev.kmodharness.symbols.ModuleImage;
import dev.kmodharness.time.Jiffies;
import dev.kmodharness.time.ReportContext;
import dev.kmodharness.time.Scheduler;
import dev.kmodharness.time.TimerWheel;
import dev.kmodharness.timing.InitRecord;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The module subsystem, kernel/module/: the front door the rest of the harness calls. Each
 * concern is a file of its own, as the kernel split kernel/module/ in 5.19:
 * {@link Load} (main.c's load pipeline), {@link Dups} (same-name loads), {@link Resolve}
 * (symbol resolution and the class gate), {@link Refcnt} (references), {@link Unload}
 * (delete_module, free_module), {@link Taint}, {@link Async} (kernel/async.c and work items),
 * {@link RequestModule} (kmod.c), {@link Initcall} (module_init and its records),
 * {@link Builtins} and {@link Sysfs} (what /proc/modules and /sys/module read); what they share
 * is in {@link ModuleList} (internal.h). Every mutable field of these and of {@link Module} is
 * guarded by the scheduler's kernel lock; every wait goes through {@link Scheduler#waitEvent}.
 */
public final class Modules {

    /** Requests modprobe runs on behalf of a module: request_module. */
    public interface Requester {
        /** @param activity what the requesting thread is doing, for the wait-for graph ("i915 init") */
        int requestModule(String name, boolean wait, String activity);
    }

    final ModuleList k;
    final Async async;
    final Refcnt refcnt;
    final Taint taint;
    final Dups dups;
    final Resolve resolve;
    final RequestModule request;
    final Initcall initcall;
    final Unload unload;
    final Load load;
    final Builtins builtins;
    final Sysfs sysfs;
    final ModuleCode code;

    /**
     * @param gate true for the kernel's COMING rule; false for JVM-native linking, where a
     *     COMING module's symbols and classes pass and only the JVM's class initialization
     *     makes anyone wait
     * @param timingRecords how many init records to keep
     */
    public Modules(Scheduler sched, Dmesg dmesg, long symbolTimeoutNanos, Requester requester, boolean gate,
            Consumer<ModuleEvent> notifier, boolean asyncProbe, boolean initcallDebug, int timingRecords) {
        this(sched, dmesg, symbolTimeoutNanos, requester, gate, notifier, asyncProbe, initcallDebug, timingRecords,
                Release.V5_15, new TimerWheel(new Jiffies(Jiffies.DEFAULT_HZ), Release.V5_15.simplifiedCalcIndex()));
    }

    /**
     * @param release the kernel release whose rules apply where they changed
     * @param wheel jiffies at CONFIG_HZ and the timer wheel every timed wait goes through
     */
    public Modules(Scheduler sched, Dmesg dmesg, long symbolTimeoutNanos, Requester requester, boolean gate,
            Consumer<ModuleEvent> notifier, boolean asyncProbe, boolean initcallDebug, int timingRecords,
            Release release, TimerWheel wheel) {
        this.k = new ModuleList(sched, dmesg, symbolTimeoutNanos, gate, notifier, timingRecords, release, wheel);
        this.code = new ModuleCode(k);
        this.async = new Async(k, code);
        this.refcnt = new Refcnt(k);
        this.taint = new Taint(k);
        this.dups = new Dups(k);
        this.resolve = new Resolve(k, refcnt);
        this.request = new RequestModule(k, async, requester);
        this.initcall = new Initcall(k, code, initcallDebug);
        this.unload = new Unload(k, async, code);
        this.load = new Load(k, this, asyncProbe);
        this.builtins = new Builtins(k, this);
        this.sysfs = new Sysfs(k);
    }

    /** Boots the built-ins: {@link Builtins#boot}. */
    public void boot(List<ModuleImage> images) {
        builtins.boot(images);
    }

    /** init_module: {@link Load#loadModule}. */
    public int loadModule(ModuleImage image, Map<String, String> params) {
        return load.loadModule(image, params);
    }

    /** delete_module: {@link Unload#deleteModule}. */
    public int deleteModule(String name) {
        return unload.deleteModule(name);
    }

    /** The init records of this boot, in load order. */
    public List<InitRecord> timings() {
        return sysfs.timings();
    }

    /** The state of module {@code name}; built-ins are LIVE once booted. */
    public Optional<ModuleState> state(String name) {
        return sysfs.state(name);
    }

    /** Which of {@code names} modprobe counts as loaded: {@link Sysfs#loadedAmong}. */
    public BitSet loadedAmong(List<String> names) {
        return sysfs.loadedAmong(names);
    }

    /** Whether {@code name} is built in. */
    public boolean isBuiltin(String name) {
        return sysfs.isBuiltin(name);
    }

    /** Snapshot of the module list as /proc/modules shows it: formed modules, newest first. */
    public List<ModuleInfo> list() {
        return sysfs.list();
    }

    /**
     * What print_modules prints after {@code Modules linked in:}, read under the kernel lock:
     * {@link ModuleFlags#printModules}.
     */
    public String printModules() {
        k.sched.lock();
        try {
            return ModuleFlags.printModules(k);
        } finally {
            k.sched.unlock();
        }
    }

    /**
     * What the lockup reports print of this kernel and the taint a soft lockup adds: print_modules,
     * the panic's dump_stack_print_info and print_tainted, add_taint(TAINT_SOFTLOCKUP).
     */
    public ReportContext reportContext() {
        return new ReportContext() {
            @Override
            public String printModules() {
                return Modules.this.printModules();
            }

            @Override
            public String cpuLine(String comm, int pid) {
                return k.panic.cpuLine(comm, pid);
            }

            @Override
            public String taintedRelease() {
                return k.panic.taintedRelease();
            }

            @Override
            public void taintSoftLockup() {
                k.panic.addTaint(dev.kmodharness.panic.Tainted.SOFTLOCKUP);
            }
        };
    }

    /** Snapshot of one module, built-ins included (/sys/module/NAME). */
    public Optional<ModuleInfo> info(String name) {
        return sysfs.info(name);
    }

    /** The class loader of module {@code name}, built-ins included, while it is formed. */
    public Optional<ClassLoader> classLoader(String name) {
        return sysfs.classLoader(name);
    }

    /**
     * This kernel's panic state: {@link dev.kmodharness.panic.Panic#check()} at every entry
     * point; the panic line; the oops count.
     */
    public dev.kmodharness.panic.Panic panic() {
        return k.panic;
    }

    /** print_tainted(): {@code Not tainted}, or {@code Tainted: } and the flags (P, D). */
    public String tainted() {
        return k.tainted.print();
    }

    /**
     * msleep from a module (kernel/time/timer.c): schedule_timeout_uninterruptible of
     * msecs_to_jiffies(ms) + 1 jiffies, through the timer wheel. No lock held.
     */
    void msleep(long ms) {
        k.sched.enter();
        try {
            // Virtual time cannot move while this task is runnable: now() is the sleep's start.
            k.sched.sleep(k.timeoutNanos(k.wheel.jiffies().msecsToJiffies(ms) + 1));
        } finally {
            k.sched.exit();
        }
    }
}
