package dev.kmodharness;

import dev.kmodharness.kmod.Depmod;
import dev.kmodharness.kmod.KmodRequests;
import dev.kmodharness.lockdep.DeadlockPolicy;
import dev.kmodharness.lockdep.DeadlockReport;
import dev.kmodharness.module.ModuleEvent;
import dev.kmodharness.release.Release;
import dev.kmodharness.time.ClockMode;
import dev.kmodharness.time.Jiffies;
import dev.kmodharness.time.Kthreadd;
import dev.kmodharness.time.ScheduleControl;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A kernel's boot parameters, what the kernel takes from its configuration and command line:
 * the modules directory, built-ins, the release and CONFIG_HZ, the clock, the timeouts and
 * detectors, lockdep's policy, the module parameters that apply to every load. Each setting is
 * one method of {@link Kernel.Builder}, which boots with them; the defaults are the seed's.
 *
 * @param <B> the builder the settings return, for chaining
 */
public abstract class BootParams<B extends BootParams<B>> {

    Path modules;
    final List<String> builtins = new ArrayList<>();
    ClockMode clock = ClockMode.VIRTUAL;
    double timeScale = 1.0 / 120;
    Duration symbolTimeout = Duration.ofSeconds(30);
    int kmodConcurrentMax = 50;
    String modprobePath = KmodRequests.MODPROBE_PATH;
    int logLines = 1 << 16;
    int timingRecords = 1 << 16;
    DeadlockPolicy deadlockPolicy = DeadlockPolicy.REPORT;
    Consumer<DeadlockReport> onDeadlock = report -> { };
    boolean gate = true;
    Duration watchdog = Duration.ofSeconds(2);
    Duration softLockup = Duration.ofSeconds(4);
    Consumer<String> console;
    Duration hungTaskTimeout = Duration.ofSeconds(4);
    Consumer<ModuleEvent> notifier = event -> { };
    boolean asyncProbe;
    boolean initcallDebug;
    Release release = Release.V5_15;
    int hz = Jiffies.DEFAULT_HZ;
    ScheduleControl schedule;
    Kthreadd kthreadd;
    Depmod depmod;

    BootParams() {
    }

    /** This builder, as its own type. */
    abstract B self();


    /**
     * The kernel release (with the kmod of its time) whose rules apply where they changed:
     * {@link Release#V5_15}, the seed's (the default), or {@link Release#V6_12}.
     */
    public B release(Release release) {
        this.release = Objects.requireNonNull(release, "release");
        return self();
    }

    /**
     * Boots with a schedule: one task runs at a time and {@code control} picks, at every
     * harness event, which runnable task runs the next step (see {@code dev.kmodharness.explore}).
     * Needs the virtual clock; the watchdog is off (the explorer bounds stalls itself).
     */
    public B schedule(ScheduleControl control) {
        this.schedule = Objects.requireNonNull(control, "control");
        return self();
    }

    /**
     * Where the threads of this kernel's tasks come from: a {@link Kthreadd#pooled pool}
     * shared by kernels booted one after another reuses a task's thread once the task ends,
     * instead of starting a JVM thread per task. By default each task gets a new thread.
     */
    public B kthreadd(Kthreadd threads) {
        this.kthreadd = Objects.requireNonNull(threads, "threads");
        return self();
    }

    /**
     * CONFIG_HZ: 100, 250 (the default, the seed's), 300 or 1000. Timeouts are counted in
     * jiffies and fire through the timer wheel, which rounds them up per level.
     *
     * @throws IllegalArgumentException for another value
     */
    public B hz(int hz) {
        new Jiffies(hz);
        this.hz = hz;
        return self();
    }

    /**
     * The modules directory as an index already read ({@link Depmod#scan}): many kernels
     * booted on one directory read its module images once. Sets {@link #modules} too.
     */
    public B depmod(Depmod index) {
        this.depmod = Objects.requireNonNull(index, "index");
        this.modules = index.dir();
        return self();
    }

    /** The modules directory, like /lib/modules/VERSION: every JAR under it is indexed. */
    public B modules(Path dir) {
        this.modules = Objects.requireNonNull(dir, "dir");
        return self();
    }

    /** Modules built into the kernel image, inited at boot in the order given. */
    public B builtin(String... names) {
        builtins.addAll(List.of(names));
        return self();
    }

    /** VIRTUAL (the default: timeouts cost nothing) or REAL (scaled wall-clock time). */
    public B clock(ClockMode mode) {
        this.clock = Objects.requireNonNull(mode, "mode");
        return self();
    }

    /**
     * For the REAL clock: real seconds per kernel second. The default, 1/120, runs the
     * seed's 120 s of waits in about a second.
     */
    public B timeScale(double realPerKernel) {
        if (!(realPerKernel > 0) || Double.isInfinite(realPerKernel)) {
            throw new IllegalArgumentException("time scale must be positive: " + realPerKernel);
        }
        this.timeScale = realPerKernel;
        return self();
    }

    /** resolve_symbol_wait's timeout per symbol, in kernel time; 30 s as in the kernel. */
    public B symbolTimeout(Duration timeout) {
        this.symbolTimeout = Objects.requireNonNull(timeout, "timeout");
        return self();
    }

    /** kmod_concurrent_max: modprobe runs at once; 50 as in the kernel. */
    public B kmodConcurrentMax(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("kmod_concurrent_max must be at least 1: " + max);
        }
        this.kmodConcurrentMax = max;
        return self();
    }

    /** /proc/sys/kernel/modprobe; empty or any other path than /sbin/modprobe fails with -ENOENT. */
    public B modprobePath(String path) {
        this.modprobePath = Objects.requireNonNull(path, "path");
        return self();
    }

    /** What a wait that closes a cycle does: REPORT (the default) or FAIL_FAST (-EDEADLK). */
    public B deadlockPolicy(DeadlockPolicy policy) {
        this.deadlockPolicy = Objects.requireNonNull(policy, "policy");
        return self();
    }

    /**
     * Receives each new cycle of the wait-for graph the moment it closes, on the thread
     * closing it, with the kernel lock held: it must return quickly and not call the kernel.
     */
    public B onDeadlock(Consumer<DeadlockReport> listener) {
        this.onDeadlock = Objects.requireNonNull(listener, "listener");
        return self();
    }

    /**
     * The COMING gate: on (the default), the kernel's rule; off, a COMING module's symbols
     * and classes pass, as in a plain JVM plugin system, and a thread needing a class whose
     * initialization is running blocks in the JVM with no timeout (the cycle is reported).
     */
    public B gate(boolean on) {
        this.gate = on;
        return self();
    }

    /**
     * How long, in real time, virtual time may be held back by a task blocked outside the
     * harness before the watchdog reports it in dmesg; zero turns the watchdog off.
     */
    public B watchdog(Duration period) {
        if (period.isNegative()) {
            throw new IllegalArgumentException("negative watchdog period: " + period);
        }
        this.watchdog = period;
        return self();
    }

    /**
     * The kernel's console: each printk line, as dmesg prints it, goes to {@code sink} as
     * soon as it is logged, in order, on a console thread. None by default.
     */
    public B console(Consumer<String> sink) {
        this.console = Objects.requireNonNull(sink, "sink");
        return self();
    }

    /**
     * The soft-lockup threshold (kernel/watchdog.c; the kernel's, 20 s): a task running
     * module code, its CPU time rising, this long of real time without a harness wait is
     * reported and {@link Kernel#awaitIdle()} stops waiting for it. Default 4 s; zero is off.
     */
    public B softLockup(Duration threshold) {
        if (threshold.isNegative()) {
            throw new IllegalArgumentException("negative soft-lockup threshold: " + threshold);
        }
        this.softLockup = threshold;
        return self();
    }

    /**
     * kernel.hung_task_timeout_secs (kernel/hung_task.c; the kernel's, 120 s): a task blocked
     * this long of real time in module code outside any harness wait is reported and
     * {@link Kernel#awaitIdle()} stops waiting for it. Default 4 s; zero is off.
     */
    public B hungTaskTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative hung task timeout: " + timeout);
        }
        this.hungTaskTimeout = timeout;
        return self();
    }

    /**
     * The kernel parameter initcall_debug: dmesg gets {@code calling  NAME @ PID} before and
     * {@code initcall NAME returned R after N usecs} after every init (kernel time).
     */
    public B initcallDebug(boolean on) {
        this.initcallDebug = on;
        return self();
    }

    /**
     * How many loads {@link Kernel#timings()} keeps (default 65,536); past that the oldest
     * finished load is dropped, as the printk ring drops its oldest lines.
     *
     * @throws IllegalArgumentException when {@code max} is less than 1
     */
    public B timingRecords(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("timing records must be at least 1: " + max);
        }
        this.timingRecords = max;
        return self();
    }

    /**
     * The kernel parameter module.async_probe: every module's init skips
     * async_synchronize_full unless loaded with {@code async_probe=0}. Off by default.
     */
    public B asyncProbe(boolean on) {
        this.asyncProbe = on;
        return self();
    }

    /**
     * The module notifier chain: hears every module go COMING, LIVE and GOING, with the
     * kernel lock held (it must return quickly and not call the kernel).
     */
    public B notifier(Consumer<ModuleEvent> listener) {
        this.notifier = Objects.requireNonNull(listener, "listener");
        return self();
    }
}
