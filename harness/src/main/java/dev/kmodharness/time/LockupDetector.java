package dev.kmodharness.time;

import dev.kmodharness.module.ModuleInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The soft-lockup detector (kernel/watchdog.c) and the hung-task detector (kernel/hung_task.c)
 * in one sampler, on real time under either clock. A task is in module code when it is alive,
 * not blocked in a harness wait, and its innermost frame outside the JDK is a module's; its episode
 * starts when it is first seen so and ends when it reaches a harness wait (its switch count
 * moves, as the kernel's nvcsw + nivcsw) or leaves module code. An episode longer than a
 * threshold is reported once: as a soft lockup when the task spun (RUNNABLE, its thread CPU time
 * rising: ThreadMXBean), as a hung task when it was blocked (a JVM
 * monitor, Object.wait, a latch, Thread.sleep, the JVM's class initialization, which shows as
 * RUNNABLE with no CPU time). Then the scheduler hears the task is stuck, so the kernel's
 * callers stop waiting for it.
 *
 * <p>Confined to the watchdog thread, except {@link #lockups()}, guarded by this.
 */
final class LockupDetector {

    private final Scheduler sched;
    /** Soft-lockup threshold, real nanoseconds; 0 is off. */
    private final long softNanos;
    /** hung_task_timeout_secs, real nanoseconds; 0 is off. */
    private final long hungNanos;
    private final Predicate<StackTraceElement> moduleFrame;
    private final Supplier<List<ModuleInfo>> modules;
    private final Function<Thread, String> blocker;
    private final Consumer<String> printk;
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final boolean cpuTime = mx.isThreadCpuTimeSupported() && mx.isThreadCpuTimeEnabled();
    /** The episode of each task seen in module code. Confined to the watchdog thread. */
    private final Map<Thread, Episode> episodes = new HashMap<>();
    /** Guarded by this. */
    private final List<Lockup> lockups = new ArrayList<>();

    /**
     * @param blocker for a blocked thread, the hung-task detector's blocker line ("task X:1 is
     *     blocked on a mutex likely owned by task Y:2."), or null when no owner is known
     * @param printk where reports go; called on the watchdog thread without the kernel lock
     */
    LockupDetector(Scheduler sched, long softNanos, long hungNanos, Predicate<StackTraceElement> moduleFrame,
            Supplier<List<ModuleInfo>> modules, Function<Thread, String> blocker, Consumer<String> printk) {
        this.sched = sched;
        this.softNanos = softNanos;
        this.hungNanos = hungNanos;
        this.moduleFrame = moduleFrame;
        this.modules = modules;
        this.blocker = blocker;
        this.printk = printk;
    }

    /** One round of both detectors at real time {@code now} (System.nanoTime()). */
    void check(long now) {
        Set<Thread> seen = new HashSet<>();
        for (Scheduler.TaskState task : sched.tasks()) {
            Thread thread = task.thread();
            if (task.parked()) {
                continue;
            }
            StackTraceElement[] stack = thread.getStackTrace();
            if (!inModuleCode(stack)) {
                continue;
            }
            seen.add(thread);
            Episode episode = episodes.get(thread);
            if (episode == null || episode.switches != task.switches()) {
                episodes.put(thread, new Episode(task.switches(), now, cpu(thread)));
                continue;
            }
            if (episode.reported) {
                continue;
            }
            long elapsed = now - episode.since;
            long cpu = cpu(thread);
            // RUNNABLE and burning CPU: since the last sample at all (a busy task on a loaded
            // machine may get little), or a twentieth of the episode. A RUNNABLE thread whose CPU
            // time stands still is blocked where the JVM says RUNNABLE (class initialization, I/O).
            boolean spinning = thread.getState() == Thread.State.RUNNABLE
                    && (!cpuTime || cpu > episode.cpuLast || (cpu - episode.cpuSince) * 20 >= elapsed);
            episode.cpuLast = cpu;
            long threshold = spinning ? softNanos : hungNanos;
            if (threshold > 0 && elapsed >= threshold) {
                episode.reported = true;
                report(task, spinning, elapsed / 1_000_000_000L, stack);
            }
        }
        episodes.keySet().retainAll(seen);
    }

    /** Every report so far, in order. */
    synchronized List<Lockup> lockups() {
        return List.copyOf(lockups);
    }

    private void report(Scheduler.TaskState task, boolean spinning, long seconds, StackTraceElement[] stack) {
        String comm = task.thread().getName();
        String trace = CallTrace.format(stack, moduleFrame);
        String text = spinning
                ? SoftLockup.report(comm, task.pid(), seconds, trace, modules.get())
                : HungTask.report(comm, task.pid(), seconds, trace, blocker.apply(task.thread()));
        Lockup lockup = new Lockup(spinning ? Lockup.Kind.SOFT_LOCKUP : Lockup.Kind.HUNG_TASK, comm, task.pid(),
                seconds, text);
        synchronized (this) {
            lockups.add(lockup);
        }
        printk.accept(text);
        sched.stuck(task.thread());
    }

    /**
     * Whether the innermost frame that is not the JDK's is module code: a task in the JDK called
     * from module code (Thread.sleep, Object.wait, a latch) is in module code; one in harness
     * code called from module code (a printk, a wait for its turn) is not.
     */
    private boolean inModuleCode(StackTraceElement[] stack) {
        for (StackTraceElement frame : stack) {
            String loader = frame.getClassLoaderName();
            if (loader != null && !loader.equals("platform")) {
                return moduleFrame.test(frame);
            }
        }
        return false;
    }

    private long cpu(Thread thread) {
        if (!cpuTime) {
            return 0;
        }
        @SuppressWarnings("deprecation") // Thread.threadId() is JDK 19+; getId() is the same id
        long id = thread.getId();
        return Math.max(0, mx.getThreadCpuTime(id));
    }

    /** One stretch of module code without a harness wait. */
    private static final class Episode {
        final long switches;
        final long since;
        final long cpuSince;
        /** The thread's CPU time at the last sample. */
        long cpuLast;
        boolean reported;

        Episode(long switches, long since, long cpuSince) {
            this.switches = switches;
            this.since = since;
            this.cpuSince = cpuSince;
            this.cpuLast = cpuSince;
        }
    }
}
