package dev.kmodharness.time;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The kernel's watchdog thread (khungtaskd and watchdog/N in one daemon thread), on real time.
 * Each tick it runs the {@link LockupDetector} (soft lockups and hung tasks, under either
 * clock) and, every {@code stallPeriod} under the virtual clock, the check that virtual time is
 * not held back by a task blocked outside the harness, reporting each such stall once, with the
 * thread's name and stack: without it a Thread.sleep in a module's init would stall virtual time
 * silently.
 */
public final class Watchdog implements AutoCloseable {

    /** Ticks at least this often, so that a stuck task is reported soon after its threshold. */
    private static final long MAX_TICK_NANOS = 1_000_000_000L;
    private static final long MIN_TICK_NANOS = 10_000_000L;

    private final Thread thread;
    private final LockupDetector detector;

    /**
     * @param stallPeriod the virtual-time stall check's period; zero (or the real clock) is off
     * @param softLockup the soft-lockup threshold; zero is off
     * @param hungTask hung_task_timeout_secs; zero is off
     * @param moduleFrame whether a stack frame is module code
     * @param kernel what the reports print of the kernel, and the taint they add
     * @param report receives each report (one multi-line text), on the watchdog thread
     */
    public Watchdog(Scheduler sched, Duration stallPeriod, Duration softLockup, Duration hungTask,
            Predicate<StackTraceElement> moduleFrame, ReportContext kernel,
            String kernelName, Consumer<String> report) {
        long stallNanos = sched.mode() == ClockMode.VIRTUAL ? stallPeriod.toNanos() : 0;
        this.detector = new LockupDetector(sched, softLockup.toNanos(), hungTask.toNanos(), moduleFrame, kernel,
                report);
        long tick = MAX_TICK_NANOS;
        for (long period : new long[] {stallNanos, softLockup.toNanos() / 8, hungTask.toNanos() / 8}) {
            if (period > 0) {
                tick = Math.min(tick, period);
            }
        }
        long tickNanos = Math.max(MIN_TICK_NANOS, tick);
        this.thread = new Thread(() -> {
            long[] progress = {-1};
            boolean reported = false;
            long lastStallCheck = System.nanoTime();
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    // Real time on purpose: this thread watches the tasks (and the virtual clock) from outside.
                    Thread.sleep(tickNanos / 1_000_000L, (int) (tickNanos % 1_000_000L));
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                detector.check(now);
                if (stallNanos > 0 && now - lastStallCheck >= stallNanos) {
                    lastStallCheck = now;
                    List<String> stalled = sched.detectors.stalledTasks(progress);
                    if (stalled.isEmpty()) {
                        reported = false;
                    } else if (!reported) {
                        reported = true;
                        report.accept(String.join("\n", stalled));
                    }
                }
            }
        }, "kmod-watchdog " + kernelName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Every soft lockup and hung task reported so far, in order. */
    public List<Lockup> lockups() {
        return detector.lockups();
    }

    /**
     * Stops the watchdog thread. Waits for: its exit, at most one second (it never blocks for
     * long: a sample and a printk), so no report follows close.
     */
    @Override
    public void close() {
        thread.interrupt();
        if (thread != Thread.currentThread()) {
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
