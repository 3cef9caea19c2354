package dev.kmodharness.time;

import dev.kmodharness.lockdep.JvmEdge;
import dev.kmodharness.lockdep.jvm.JvmWait;
import dev.kmodharness.lockdep.jvm.JvmWaits;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

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
    /** What the reports print of the kernel, and the taint a soft lockup adds. */
    private final ReportContext kernel;
    private final Consumer<String> printk;
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final boolean cpuTime = mx.isThreadCpuTimeSupported() && mx.isThreadCpuTimeEnabled();
    /** The episode of each task seen in module code. Confined to the watchdog thread. */
    private final Map<Thread, Episode> episodes = new HashMap<>();
    /** When the last thread dump was taken (System.nanoTime()). Confined to the watchdog thread. */
    private long lastDump = System.nanoTime();
    /** Guarded by this. */
    private final List<Lockup> lockups = new ArrayList<>();

    /**
     * @param printk where reports go; called on the watchdog thread without the kernel lock
     */
    LockupDetector(Scheduler sched, long softNanos, long hungNanos, Predicate<StackTraceElement> moduleFrame,
            ReportContext kernel, Consumer<String> printk) {
        this.sched = sched;
        this.softNanos = softNanos;
        this.hungNanos = hungNanos;
        this.moduleFrame = moduleFrame;
        this.kernel = kernel;
        this.printk = printk;
    }

    /**
     * One round at real time {@code now} (System.nanoTime()): samples each task in module code,
     * asks the JVM what the blocked ones wait for (lockdep then names a cycle through those
     * waits at once, and the kernel is hung for good), and reports each episode past its
     * threshold.
     */
    void check(long now) {
        List<TaskState> tasks = sched.detectors.tasks();
        Map<Thread, Integer> pids = new HashMap<>();
        List<Sample> samples = new ArrayList<>();
        Set<Thread> seen = new HashSet<>();
        for (TaskState task : tasks) {
            Thread thread = task.thread();
            pids.put(thread, task.pid());
            if (task.parked()) {
                continue;
            }
            StackTraceElement[] stack = thread.getStackTrace();
            StackTraceElement top = innermostOutsideJdk(stack);
            if (top == null || !moduleFrame.test(top)) {
                continue;
            }
            seen.add(thread);
            Episode episode = episodes.get(thread);
            long cpu = cpu(thread);
            if (episode == null || episode.switches != task.switches()) {
                episodes.put(thread, new Episode(task.switches(), now, cpu));
                continue;
            }
            long elapsed = now - episode.since;
            // RUNNABLE and burning CPU: since the last sample at all (a busy task on a loaded
            // machine may get little), or a twentieth of the episode. A RUNNABLE thread whose CPU
            // time stands still is blocked where the JVM says RUNNABLE (class initialization, I/O).
            boolean spinning = thread.getState() == Thread.State.RUNNABLE
                    && (!cpuTime || cpu > episode.cpuLast || (cpu - episode.cpuSince) * 20 >= elapsed);
            episode.cpuLast = cpu;
            samples.add(new Sample(task, episode, stack, top, spinning, elapsed));
        }
        episodes.keySet().retainAll(seen);
        Map<Thread, JvmWait> waits = jvmWaits(samples, now);
        for (Sample sample : samples) {
            long threshold = sample.spinning ? softNanos : hungNanos;
            if (!sample.episode.reported && threshold > 0 && sample.elapsed >= threshold) {
                sample.episode.reported = true;
                report(sample, blocker(waits.get(sample.task.thread()), pids));
            }
        }
    }

    /**
     * What the blocked samples wait for, as the JVM shows it; each such wait with an owner
     * goes to lockdep as an edge. A thread dump is taken when a task has newly been seen
     * blocked in module code, and again at most once a second while tasks stay blocked (a
     * cycle may close later, through a harness wait); each episode keeps what the last dump
     * showed.
     */
    private Map<Thread, JvmWait> jvmWaits(List<Sample> samples, long now) {
        Map<Thread, Sample> blocked = new HashMap<>();
        samples.stream().filter(x -> !x.spinning).forEach(x -> blocked.put(x.task.thread(), x));
        if (!blocked.isEmpty() && (now - lastDump >= 1_000_000_000L
                || blocked.values().stream().anyMatch(x -> !x.episode.sampled))) {
            lastDump = now;
            Map<Thread, JvmWait> waits = new HashMap<>();
            JvmWaits.sample(blocked::containsKey).forEach(wait -> waits.put(wait.waiter(), wait));
            List<JvmEdge> edges = new ArrayList<>();
            for (Sample x : blocked.values()) {
                x.episode.sampled = true;
                x.episode.jvmWait = waits.get(x.task.thread());
                JvmEdge edge = x.episode.jvmWait == null ? null : JvmEdge.of(x.episode.jvmWait,
                        x.top.getClassName() + "." + x.top.getMethodName() + " [" + x.top.getClassLoaderName() + "]");
                if (edge != null) {
                    edges.add(edge);
                }
            }
            if (!edges.isEmpty()) {
                sched.detectors.jvmWaits(edges);
            }
        }
        Map<Thread, JvmWait> known = new HashMap<>();
        blocked.forEach((thread, x) -> {
            if (x.episode.jvmWait != null) {
                known.put(thread, x.episode.jvmWait);
            }
        });
        return known;
    }

    /**
     * The hung-task detector's blocker line (kernel/hung_task.c, debug_show_blocker), or null
     * when the JVM names no owner: "a mutex" for a monitor or lock, as the kernel says it.
     */
    private static String blocker(JvmWait wait, Map<Thread, Integer> pids) {
        if (wait == null || wait.owner() == null) {
            return null;
        }
        String waiter = wait.waiter().getName() + ":" + pids.getOrDefault(wait.waiter(), 0);
        String owner = wait.owner().getName() + ":" + pids.getOrDefault(wait.owner(), 0);
        return switch (wait.kind()) {
            case MONITOR, LOCK -> "task " + waiter + " is blocked on a mutex likely owned by task " + owner + ".";
            case CLASS_INIT -> "task " + waiter + " is blocked on the " + wait.resource() + " run by task " + owner + ".";
            case JOIN -> "task " + waiter + " is waiting for task " + owner + " to exit.";
        };
    }

    /** Every report so far, in order. */
    synchronized List<Lockup> lockups() {
        return List.copyOf(lockups);
    }

    private void report(Sample sample, String blocker) {
        TaskState task = sample.task;
        String comm = task.thread().getName();
        long seconds = sample.elapsed / 1_000_000_000L;
        String trace = CallTrace.format(sample.stack, moduleFrame);
        String text = sample.spinning
                ? SoftLockup.report(comm, task.pid(), seconds, trace, kernel.printModules(),
                        kernel.cpuLine(comm, task.pid()))
                : HungTask.report(comm, task.pid(), seconds, trace, blocker, kernel.taintedRelease());
        if (sample.spinning) {
            // after the report's lines are made, as watchdog_timer_fn taints after printing
            // them; before they are published, so whoever sees the report sees the taint
            kernel.taintSoftLockup();
        }
        Lockup lockup = new Lockup(sample.spinning ? Lockup.Kind.SOFT_LOCKUP : Lockup.Kind.HUNG_TASK, comm,
                task.pid(), seconds, text);
        synchronized (this) {
            lockups.add(lockup);
        }
        printk.accept(text);
        sched.detectors.stuck(task.thread());
    }

    /**
     * The innermost frame that is not the JDK's, or null: a task in the JDK called from module
     * code (Thread.sleep, Object.wait, a latch) is in module code; one in harness code called
     * from module code (a printk, a wait for its turn) is not.
     */
    private static StackTraceElement innermostOutsideJdk(StackTraceElement[] stack) {
        for (StackTraceElement frame : stack) {
            String loader = frame.getClassLoaderName();
            if (loader != null && !loader.equals("platform")) {
                return frame;
            }
        }
        return null;
    }

    private long cpu(Thread thread) {
        if (!cpuTime) {
            return 0;
        }
        @SuppressWarnings("deprecation") // Thread.threadId() is JDK 19+; getId() is the same id
        long id = thread.getId();
        return Math.max(0, mx.getThreadCpuTime(id));
    }

    /** One task in module code at one round. */
    private record Sample(TaskState task, Episode episode, StackTraceElement[] stack, StackTraceElement top,
            boolean spinning, long elapsed) {
    }

    /** One stretch of module code without a harness wait. */
    private static final class Episode {
        final long switches;
        final long since;
        final long cpuSince;
        /** The thread's CPU time at the last sample. */
        long cpuLast;
        boolean reported;
        /** Whether a thread dump has looked at this episode, and what it showed (or null). */
        boolean sampled;
        JvmWait jvmWait;

        Episode(long switches, long since, long cpuSince) {
            this.switches = switches;
            this.since = since;
            this.cpuSince = cpuSince;
            this.cpuLast = cpuSince;
        }
    }
}
