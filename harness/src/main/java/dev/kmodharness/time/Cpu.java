package dev.kmodharness.time;

import dev.kmodharness.time.ScheduleControl.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The one CPU of a kernel booted with a schedule: at most one task runs at a time, and at each
 * scheduling point the {@link ScheduleControl} says which runnable task runs the next step. A
 * task without the CPU waits on its own condition ({@code turn}) until it is handed the CPU.
 *
 * <p>Every field is guarded by the scheduler's kernel lock unless it says otherwise, and every
 * method but the explorer's ({@code awaitSettled}, {@code abandon}) is called with it held; the
 * turn waits release it.
 */
final class Cpu {

    private final ScheduleControl control;
    /** Guards {@code freed}; notified when the CPU goes free: the schedule may have ended. */
    private final Object free = new Object();
    /** How many times the CPU went free. Guarded by {@code free}. */
    private long freed;
    /** The task holding the CPU, or null when it is free. */
    private Task running;
    /** Steps begun so far: the stall check's sign of progress. Written with the lock held, read without. */
    private volatile long steps;
    /** The schedule was given up (a task stalled): no task gets the CPU again. Set without the lock by abandon. */
    private volatile boolean abandoned;

    Cpu(ScheduleControl control, ClockMode mode) {
        if (mode != ClockMode.VIRTUAL) {
            throw new IllegalArgumentException("a schedule needs the virtual clock");
        }
        this.control = control;
    }

    /** Records an effect of the running step; ignored when no task holds the CPU. */
    void effect(Kind kind, String subject, int count) {
        control.effect(kind, subject, count);
    }

    boolean holds(Task task) {
        return running == task;
    }

    Task running() {
        return running;
    }

    long steps() {
        return steps;
    }

    boolean abandoned() {
        return abandoned;
    }

    /**
     * A scheduling point of task {@code me} with the lock taken once: when it holds the CPU, the
     * control may hand it to another runnable task (then {@code me} waits for it to come back);
     * otherwise {@code me} waits for its turn. Waits for: the CPU.
     */
    void point(Task me, Collection<Task> tasks) {
        if (running == me && !abandoned) {
            Task next = choose(me, tasks);
            if (next != me) {
                handOver(next);
            }
        }
        awaitTurn(me);
    }

    /**
     * {@code me} blocked in a harness wait or exited: the CPU goes to the task the control
     * picks, or goes free when none can run.
     */
    void release(Task me, Collection<Task> tasks) {
        if (running != me || abandoned) {
            return;
        }
        Task next = choose(null, tasks);
        handOver(next);
    }

    /**
     * Waits until {@code me} holds the CPU. A free CPU is taken by the first runnable task that
     * asks (a task started from outside the kernel, such as the shell of a script). An abandoned
     * schedule's tasks wait here for good. Waits for: the CPU handed over.
     */
    void awaitTurn(Task me) {
        while (running != me || abandoned) {
            if (running == null && !me.blocked && !abandoned) {
                running = me;
                // A step begun on a free CPU is a decision with one choice.
                steps++;
                control.next(0, "", new int[] {me.pid}, 0);
                return;
            }
            me.turn.awaitUninterruptibly();
        }
    }

    /**
     * See {@link Scheduler#awaitSettled}: idle, hung, or no step begun for {@code stallNanos}
     * (a stalled task may hold the kernel lock: this never waits for it longer than that).
     * Called without the kernel lock. Waits for: the CPU to go free, or the stall bound.
     */
    Settled awaitSettled(ReentrantLock lock, long stallNanos, BooleanSupplier idle, BooleanSupplier hung) {
        while (true) {
            long seenFree = freed();
            long seenSteps;
            try {
                if (!lock.tryLock(stallNanos, TimeUnit.NANOSECONDS)) {
                    return Settled.STALLED;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Settled.STALLED;
            }
            try {
                if (idle.getAsBoolean()) {
                    return Settled.IDLE;
                }
                if (hung.getAsBoolean()) {
                    return Settled.HUNG;
                }
                seenSteps = steps;
            } finally {
                lock.unlock();
            }
            if (!awaitFree(seenFree, stallNanos) && steps == seenSteps) {
                return Settled.STALLED;
            }
        }
    }

    /** The number of times the CPU went free. */
    private long freed() {
        synchronized (free) {
            return freed;
        }
    }

    /** Waits for: the CPU to go free after {@code seen}, or {@code nanos}. Returns whether it did. */
    private boolean awaitFree(long seen, long nanos) {
        long end = System.nanoTime() + nanos;
        synchronized (free) {
            while (freed == seen) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(free, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * See {@link Scheduler#abandon}: nobody gets the CPU again; the tasks' threads stay parked,
     * renamed. Null when the kernel lock stays held (by the stalled task) for a second.
     */
    List<String> abandon(ReentrantLock lock, String label, long stallNanos, Collection<Task> tasks) {
        abandoned = true;
        try {
            if (!lock.tryLock(1, TimeUnit.SECONDS)) {
                return null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        try {
            List<String> report = new ArrayList<>();
            if (running != null) {
                StringBuilder out = new StringBuilder("explore: task ").append(running.comm())
                        .append(" held the CPU for more than ").append(stallNanos / 1_000_000L)
                        .append(" ms of real time without reaching a harness event (blocked outside the harness"
                                + " or spinning); schedule abandoned");
                StackTraceElement[] stack = running.thread.getStackTrace();
                for (int i = 0; i < Math.min(stack.length, 16); i++) {
                    out.append("\n    at ").append(stack[i]);
                }
                report.add(out.toString());
            }
            running = null;
            for (Task task : tasks) {
                task.thread.setName(label + ": " + task.thread.getName());
            }
            return report;
        } finally {
            lock.unlock();
        }
    }

    private void handOver(Task next) {
        running = next;
        if (next == null) {
            synchronized (free) {
                freed++;
                free.notifyAll();
            }
            return;
        }
        steps++;
        next.turn.signal();
    }

    /** Ends the running step and asks the control for the next task; null when none can run. */
    private Task choose(Task current, Collection<Task> tasks) {
        int n = 0;
        Task[] ready = new Task[tasks.size()];
        for (Task task : tasks) {
            if (!task.blocked) {
                ready[n++] = task;
            }
        }
        Arrays.sort(ready, 0, n, (a, b) -> Integer.compare(a.pid, b.pid));
        int[] pids = new int[n];
        for (int i = 0; i < n; i++) {
            pids[i] = ready[i].pid;
        }
        int chosen = control.next(running.pid, running.comm(), pids, current == null || current.blocked ? 0 : current.pid);
        for (int i = 0; i < n; i++) {
            if (ready[i].pid == chosen) {
                return ready[i];
            }
        }
        if (n == 0) {
            return null;
        }
        throw new IllegalStateException("the schedule chose pid " + chosen + ", not runnable: " + Arrays.toString(pids));
    }
}
