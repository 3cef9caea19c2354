package dev.kmodharness.time;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The soft-lockup watchdog of the virtual clock: a daemon thread that checks, every
 * {@code period} of real time, whether virtual time is held back by a task blocked outside the
 * harness, and reports each such stall once, with the thread's name and stack. Without it a
 * Thread.sleep in a module's init would stall virtual time silently.
 */
public final class Watchdog implements AutoCloseable {

    private final Thread thread;

    /**
     * @param report receives one multi-line text per stall, on the watchdog thread
     */
    public Watchdog(Scheduler sched, Duration period, String kernelName, Consumer<String> report) {
        long periodMillis = Math.max(1, period.toMillis());
        this.thread = new Thread(() -> {
            long[] progress = {-1};
            boolean reported = false;
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    // Real time on purpose: this thread watches the virtual clock from outside.
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
                List<String> stalled = sched.stalledTasks(progress);
                if (stalled.isEmpty()) {
                    reported = false;
                } else if (!reported) {
                    reported = true;
                    report.accept(String.join("\n", stalled));
                }
            }
        }, "kmod-watchdog " + kernelName);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
