package dev.kmodharness;

import dev.kmodharness.api.Errno;
import dev.kmodharness.kmod.Depmod;
import dev.kmodharness.kmod.KmodRequests;
import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.lockdep.DeadlockError;
import dev.kmodharness.lockdep.DeadlockReport;
import dev.kmodharness.lockdep.ListenerGuard;
import dev.kmodharness.log.Console;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.module.ModuleEvent;
import dev.kmodharness.module.ModuleInfo;
import dev.kmodharness.module.ModuleState;
import dev.kmodharness.module.Modules;
import dev.kmodharness.panic.Halted;
import dev.kmodharness.panic.KernelPanicException;
import dev.kmodharness.procfs.Procfs;
import dev.kmodharness.release.Release;
import dev.kmodharness.symbols.InvalidModuleException;
import dev.kmodharness.symbols.ModuleImage;
import dev.kmodharness.time.ClockMode;
import dev.kmodharness.time.Jiffies;
import dev.kmodharness.time.Kthreadd;
import dev.kmodharness.time.Leftovers;
import dev.kmodharness.time.Lockup;
import dev.kmodharness.time.ModuleFrames;
import dev.kmodharness.time.ScheduleControl;
import dev.kmodharness.time.Scheduler;
import dev.kmodharness.time.Settled;
import dev.kmodharness.time.ShowState;
import dev.kmodharness.time.TimerWheel;
import dev.kmodharness.time.Watchdog;
import dev.kmodharness.timing.InitRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One booted kernel: its modules directory (indexed as depmod does), its built-ins, its
 * module list, dmesg, clock and kmod workers. The front door of the harness:
 *
 * <pre>{@code
 * try (Kernel kernel = Kernel.builder().modules(dir).build()) {
 *     Modprobe.Result result = kernel.modprobe("i915", "enable_gvt=1");
 *     kernel.dmesg().forEach(System.out::println);
 * }
 * }</pre>
 *
 * Kernels share nothing: many can run in one JVM.
 */
public final class Kernel implements AutoCloseable {

    private final Scheduler sched;
    private final Dmesg dmesg;
    private final Depmod depmod;
    private final Modules modules;
    private final KmodRequests kmod;
    private final Watchdog watchdog;
    /** Booted with a schedule (the explorer's). */
    private final boolean scheduled;
    private final Release release;
    /** Whether a stack frame is this kernel's module code. */
    private final ModuleFrames moduleFrames;
    /** The console, or null. */
    private final Console console;
    /** The panic check around each operation. */
    private final PanicGuard guard;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Kernel(Builder b) throws IOException {
        this.release = b.release;
        TimerWheel wheel = new TimerWheel(new Jiffies(b.hz), b.release.simplifiedCalcIndex());
        ScheduleControl schedule = b.schedule;
        this.scheduled = schedule != null;
        // this.dmesg, which lockdep prints to, is set just below, before any load can close a cycle.
        this.sched = new Scheduler(b.clock, b.timeScale, b.deadlockPolicy,
                new ListenerGuard(b.onDeadlock, this::printk), schedule,
                b.kthreadd != null ? b.kthreadd : Kthreadd.unpooled());
        Consumer<ModuleEvent> notifier = b.notifier;
        if (schedule == null) {
            this.dmesg = new Dmesg(sched::now, b.logLines);
        } else {
            // Under a schedule, printk and module states are effects of the running step: what
            // the explorer's partial-order reduction and interleaving tables see. Dmesg reads
            // its clock once per printk.
            this.dmesg = new Dmesg(() -> {
                schedule.effect(ScheduleControl.Kind.PRINTK, "", 1);
                return sched.now();
            }, b.logLines);
            notifier = event -> {
                schedule.effect(ScheduleControl.Kind.STATE, event.module() + " " + event.state(), 1);
                b.notifier.accept(event);
            };
        }
        this.depmod = b.depmod != null ? b.depmod : Depmod.scan(b.modules);
        // Modules reach request_module through this.kmod, set just below, before any load.
        this.modules = new Modules(sched, dmesg, b.symbolTimeout.toNanos(), this::requestFromModule, b.gate,
                notifier, b.asyncProbe, b.initcallDebug, b.timingRecords, b.release, wheel);
        this.guard = new PanicGuard(modules.panic());
        ModprobeTarget target = new ModprobeTarget(modules);
        this.kmod = new KmodRequests(sched, dmesg, b.modprobePath, b.kmodConcurrentMax,
                name -> Modprobe.run(depmod, target, name, Map.of()).status(), wheel);
        this.moduleFrames = new ModuleFrames(name -> depmod.find(name).isPresent() || modules.classLoader(name).isPresent());
        List<ModuleImage> builtins = new ArrayList<>();
        for (String name : b.builtins) {
            builtins.add(depmod.find(name).orElseThrow(() -> new IllegalArgumentException(
                    "built-in module " + name + " not found in directory " + depmod.dir())));
        }
        // Threads last: nothing above may fail and leave them running.
        this.console = b.console == null ? null : new Console(dmesg, b.console, b.modules.toString());
        // Under a schedule the explorer's stall bound watches the CPU instead.
        this.watchdog = schedule != null ? null : new Watchdog(sched, b.watchdog, b.softLockup, b.hungTaskTimeout, moduleFrames,
                modules.reportContext(), b.modules.toString(), dmesg::printk);
        sched.enter();
        try {
            modules.boot(builtins);
        } catch (RuntimeException e) {
            close();
            throw e;
        } finally {
            sched.exit();
        }
    }

    private void printk(String text) {
        dmesg.printk(text);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@code modprobe NAME param=value...}: loads NAME and the modules it needs from the
     * modules directory, on the calling thread.
     */
    public Modprobe.Result modprobe(String name, String... params) {
        return modprobe(name, ModuleParams.parse(params));
    }

    /** {@code modprobe NAME} with parameters as a map. */
    public Modprobe.Result modprobe(String name, Map<String, String> params) {
        return guard.run(() -> {
            sched.enter();
            try {
                return Modprobe.run(depmod, new ModprobeTarget(modules), name, params);
            } finally {
                sched.exit();
            }
        });
    }

    /**
     * {@code insmod FILE param=value...}: init_module of one JAR, no dependencies.
     *
     * @return 0, or a negative errno (-ENOEXEC for a file that is not a module)
     */
    public int insmod(Path jar, String... params) {
        guard.check();
        ModuleImage image;
        try {
            image = ModuleImage.read(jar);
        } catch (InvalidModuleException e) {
            return e.errno();
        } catch (IOException e) {
            return -Errno.ENOENT;
        }
        return guard.run(() -> modules.loadModule(image, ModuleParams.parse(params)));
    }

    /**
     * delete_module (rmmod NAME): runs the module's exit and frees it.
     *
     * @return 0; -ENOENT when not loaded; -EWOULDBLOCK when used by others or referenced;
     *     -EBUSY when not LIVE or it has an init but no exit
     */
    public int rmmod(String name) {
        return guard.run(() -> modules.deleteModule(name.replace('-', '_')));
    }

    /**
     * {@code modprobe -r NAME}: removes NAME, then the modules it depended on that nothing
     * uses any more, as the release's kmod does ({@link Modprobe#remove}).
     */
    public Modprobe.Result modprobeRemove(String name) {
        return guard.run(() -> {
            sched.enter();
            try {
                return Modprobe.remove(depmod, new ModprobeTarget(modules), name, release);
            } finally {
                sched.exit();
            }
        });
    }

    /** The module's class loader while it is loaded; hold it weakly. */
    public Optional<ClassLoader> classLoader(String name) {
        return modules.classLoader(name);
    }

    /** request_module(name) from kernel context, as lib/test_kmod.c calls it. */
    public int requestModule(String name) {
        return guard.run(() -> kmod.requestModule(name, true, "request_module"));
    }

    /** How a test fails on a deadlock: throws {@link DeadlockError} when {@link #deadlocks()} is not empty. */
    public void assertNoDeadlock() {
        List<DeadlockReport> reports = deadlocks();
        if (!reports.isEmpty()) {
            throw new DeadlockError(reports);
        }
    }

    /** Every report of the soft-lockup and hung-task detectors so far, in order. */
    public List<Lockup> lockups() {
        return watchdog == null ? List.of() : watchdog.lockups();
    }

    private int requestFromModule(String name, boolean wait, String activity) {
        return kmod.requestModule(name, wait, activity);
    }

    /** request_module_nowait(name). */
    public int requestModuleNowait(String name) {
        return guard.run(() -> kmod.requestModule(name, false, "request_module_nowait"));
    }

    /**
     * The init records of this boot, one per load attempt, in the order they began: load
     * start, each symbol wait, init start and end, state changes, request_module calls. Waits
     * and requests still under way show as pending. At most {@link Builder#timingRecords} are
     * kept: the latest.
     */
    public List<InitRecord> timings() {
        return modules.timings();
    }

    /** The cycles the wait-for graph has found, each once, in order. */
    public List<DeadlockReport> deadlocks() {
        return sched.deadlocks();
    }

    /**
     * Waits until the kernel has nothing left to do: no caller inside it, no modprobe run,
     * work item or load left, nowait requests included. Under the virtual clock it also returns
     * when the kernel is hung for good (every task blocked with no timeout, as in a deadlock),
     * which it can tell for certain; under either clock, when the soft-lockup or hung-task
     * detector has reported a task that is still running ({@link #lockups()}). Not for a kernel
     * task (a module's init) to call. Waits for: the last task's exit, or the hang.
     *
     * @return true when idle, false when hung or a task is stuck in module code
     */
    public boolean awaitIdle() {
        return sched.awaitQuiescent();
    }

    /**
     * Runs {@code work} as a new task of this kernel, named {@code comm} (a user process, such
     * as a modprobe started from a shell), registered before it starts so that
     * {@link #awaitIdle()} waits for it. The thread is a daemon.
     */
    public Thread exec(String comm, Runnable work) {
        guard.check();
        return sched.spawn(comm, () -> {
            try {
                work.run();
            } catch (KernelPanicException | Halted e) {
                // the kernel panicked under this task: it ends, as every task of the kernel does
            }
        });
    }

    /**
     * Runs {@code body} on the calling thread as a task of this kernel (a shell running a
     * script): while it runs, virtual time moves only when it waits in the kernel.
     */
    public <T> T task(Supplier<T> body) {
        return guard.run(() -> {
            sched.enter();
            try {
                return body.get();
            } finally {
                sched.exit();
            }
        });
    }

    /**
     * Waits, as a harness wait the clock and the wait-for graph can see, until every one of
     * {@code tasks} (threads from {@link #exec}) has exited: a shell's {@code wait}.
     *
     * @return true when all have exited, false when the caller was interrupted first
     */
    public boolean join(Collection<Thread> tasks) {
        return sched.join(tasks);
    }

    /** Sleeps {@code time} of kernel time on the calling thread, as a task (a shell's sleep). */
    public void sleep(Duration time) {
        guard.check();
        sched.enter();
        try {
            sched.sleep(time.toNanos());
        } finally {
            sched.exit();
        }
    }

    /** dmesg: the ring buffer, one {@code [%5d.%06d] text} string a line. */
    public List<String> dmesg() {
        return dmesg.lines();
    }

    /** The ring buffer's records, with their kernel times. */
    public List<Dmesg.Record> dmesgRecords() {
        return dmesg.records();
    }

    /**
     * print_tainted(): {@code Not tainted}, or {@code Tainted: } and one character per flag,
     * as the kernel's oops lines show it: P (a proprietary module), D (an oops).
     */
    public String tainted() {
        return modules.tainted();
    }

    /**
     * The panic's line ({@code Kernel panic - not syncing: ...}) once module code has called
     * System.exit, Runtime.exit or Runtime.halt. From then on every operation (modprobe, insmod,
     * rmmod, request_module, exec, task, sleep) throws {@link KernelPanicException} with that
     * line; what only reads the kernel (dmesg, lsmod, state, timings) still answers.
     */
    public Optional<String> panicked() {
        return Optional.ofNullable(modules.panic().line());
    }

    /** lsmod's table. */
    public String lsmod() {
        return Procfs.lsmod(modules.list());
    }

    /** cat /proc/modules. */
    public String procModules() {
        return Procfs.procModules(modules.list());
    }

    /** The module's state; empty when it is not loaded. Built-ins are LIVE. */
    public Optional<ModuleState> state(String name) {
        return modules.state(name);
    }

    /**
     * /sys/module/NAME/initstate: live, coming or going; empty when not loaded, and for a
     * built-in, which has no initstate file.
     */
    public Optional<String> initstate(String name) {
        return modules.isBuiltin(name) ? Optional.empty() : state(name).map(ModuleState::initstate);
    }

    /** A snapshot of module {@code name}, built-ins included. */
    public Optional<ModuleInfo> module(String name) {
        return modules.info(name);
    }

    /** The loaded modules, as /proc/modules lists them (newest first). */
    public List<ModuleInfo> modules() {
        return modules.list();
    }

    /** The release whose rules this kernel follows; {@code uname -r} is its {@link Release#uname()}. */
    public Release release() {
        return release;
    }

    /** The depmod index of the modules directory. */
    public Depmod depmod() {
        return depmod;
    }

    /** Kernel time since boot, in nanoseconds. */
    public long now() {
        return sched.now();
    }

    public ClockMode clock() {
        return sched.mode();
    }

    /**
     * The kernel's worker threads still running (modprobe, work items, async work, tasks from
     * {@link #exec}), a snapshot: after {@link #close()} each should end; one that does not is
     * left behind.
     */
    public List<Thread> workers() {
        return sched.workers();
    }

    /**
     * For a kernel booted with a {@link Builder#schedule}, from outside it: waits until no task
     * is left, the kernel is hung for good, or the task holding the CPU stalls (no scheduling
     * point for {@code stall} of real time: blocked outside the harness or spinning). Waits for:
     * the CPU to go free, or the stall bound.
     */
    public Settled awaitSettled(Duration stall) {
        return sched.awaitSettled(stall.toNanos());
    }

    /**
     * Gives up the schedule of a kernel that stalled or hung: no task runs again; each task's
     * thread is renamed {@code label: NAME} and left parked (daemons). Returns the report on the
     * task that held the CPU with its stack, when it stalled; else empty. Close the kernel after.
     */
    public List<String> abandonSchedule(String label, Duration stall) {
        return sched.abandon(label, stall.toNanos());
    }

    /**
     * Stops the watchdog, interrupts every kmod worker, gives them {@link Leftovers#GRACE} to
     * end, then names in dmesg each thread module code left running ({@link #leftoverThreads()}).
     * Modules stay as they are. Returns in bounded time, whatever module code does. A kernel
     * booted with a schedule skips the naming: it takes a stack of every thread of the JVM, a
     * safepoint that would stop every other exploration job once per schedule, and the explorer
     * has recorded the run before it closes the kernel.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (watchdog != null) {
            watchdog.close();
        }
        sched.interruptWorkers();
        if (!scheduled) {
            Leftovers.report(leftoverThreads(), moduleFrames, dmesg::printk);
        }
        if (console != null) {
            console.close();
        }
    }

    /** sysrq-t: each task with its state (R, S in a harness wait, D blocked outside) and call trace. */
    public String showState() {
        return ShowState.render(sched, moduleFrames);
    }

    /** The threads module code has running now, other than the caller; each pins its module's loader. */
    public List<Thread> leftoverThreads() {
        return Leftovers.find(moduleFrames, modules::classLoader);
    }

    /** The kernel's configuration: each setting one method (see {@link BootParams}); {@link #build()} boots. */
    public static final class Builder extends BootParams<Builder> {

        private Builder() {
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Boots: indexes the modules directory and runs the built-ins' inits.
         *
         * @throws IOException when the modules directory cannot be read
         * @throws IllegalArgumentException when a built-in is missing or cannot link
         */
        public Kernel build() throws IOException {
            if (modules == null) {
                throw new IllegalStateException("no modules directory: call modules(dir)");
            }
            return new Kernel(this);
        }
    }
}
