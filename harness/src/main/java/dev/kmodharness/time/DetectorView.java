package dev.kmodharness.time;

import dev.kmodharness.lockdep.JvmEdge;
import dev.kmodharness.lockdep.WaitForGraph;
import dev.kmodharness.log.Dmesg;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lockup detectors' view of a kernel's tasks (the soft-lockup and hung-task detectors,
 * lockdep over the JVM's own waits, the virtual-time watchdog, sysrq-t): snapshots of the
 * tasks, and the set of tasks found stuck outside the harness, which the {@link Scheduler}'s
 * {@link Scheduler#awaitQuiescent} gives up on. Reads the scheduler's own state under its lock.
 */
final class DetectorView {

    private final Scheduler sched;
    /** Tasks a detector reported stuck outside the harness (pruned of ended tasks on each add). Guarded by the scheduler's lock. */
    private final Set<Thread> stuck = new HashSet<>();

    DetectorView(Scheduler sched) {
        this.sched = sched;
    }

    /** Every live task, by pid. Takes the lock briefly. */
    List<TaskState> tasks() {
        sched.lock.lock();
        try {
            List<TaskState> all = new ArrayList<>();
            for (Map.Entry<Thread, Task> e : sched.tasks.entrySet()) {
                if (e.getKey().isAlive()) {
                    all.add(new TaskState(e.getKey(), e.getValue().pid, e.getValue().switches,
                            sched.parked.contains(e.getKey())));
                }
            }
            all.sort(Comparator.comparingInt(TaskState::pid));
            return all;
        } finally {
            sched.lock.unlock();
        }
    }

    /**
     * A detector (soft lockup, hung task, a cycle through the JVM's own waits) found
     * {@code thread} stuck outside the harness: while it is a task the kernel cannot finish, so
     * {@link Scheduler#awaitQuiescent} returns false at once. Takes the lock briefly.
     */
    void stuck(Thread thread) {
        sched.lock.lock();
        try {
            stuck.removeIf(t -> !sched.tasks.containsKey(t));
            if (sched.tasks.containsKey(thread) && stuck.add(thread)) {
                sched.wakeUpAll(sched.quiescent);
            }
        } finally {
            sched.lock.unlock();
        }
    }

    /** Whether a task is stuck: the kernel cannot finish while it is a task. Lock held. */
    boolean anyStuck() {
        return stuck.stream().anyMatch(sched.tasks::containsKey);
    }

    /** {@code thread} is entering a harness wait, so is stuck no more. Lock held. */
    void unstuck(Thread thread) {
        stuck.remove(thread);
    }

    /**
     * Lockdep over the JVM's own waits ({@link WaitForGraph#observe}) for the tasks among
     * {@code edges}' waiters that are outside any harness wait (a harness wait adds its own
     * edge and parks under the scheduler's lock); every waiter in a cycle is {@link #stuck}:
     * the kernel is hung for good. Takes the lock briefly.
     */
    void jvmWaits(List<JvmEdge> edges) {
        sched.lock.lock();
        try {
            sched.graph.observe(edges.stream()
                    .filter(e -> sched.tasks.containsKey(e.waiter()) && !sched.parked.contains(e.waiter()))
                    .toList(), sched.now()).forEach(this::stuck);
        } finally {
            sched.lock.unlock();
        }
    }

    /**
     * The watchdog's check: under the virtual clock, the tasks that hold time back while
     * someone waits on a deadline and nothing has moved since the last check (the tasks that
     * are running, but not in any harness wait: in Thread.sleep, a foreign lock, a JVM class
     * initialization, or a long computation). Takes the lock briefly.
     *
     * @param lastProgress the progress count the previous check saw; updated
     * @return per stalled task, a report naming it with its stack; empty when time is free to
     *     move or has moved
     */
    List<String> stalledTasks(long[] lastProgress) {
        sched.lock.lock();
        try {
            boolean moved = sched.progress != lastProgress[0];
            lastProgress[0] = sched.progress;
            if (sched.mode() != ClockMode.VIRTUAL || moved || sched.runnable == 0 || sched.timed.isEmpty()) {
                return List.of();
            }
            List<Thread> stalled = new ArrayList<>();
            for (Thread task : sched.tasks.keySet()) {
                if (!sched.parked.contains(task) && task.isAlive()) {
                    stalled.add(task);
                }
            }
            stalled.sort(Comparator.comparingInt(t -> sched.tasks.get(t).pid));
            List<String> reports = new ArrayList<>();
            long now = sched.now();
            for (Thread task : stalled) {
                StringBuilder out = new StringBuilder("watchdog: virtual time stalled at ")
                        .append(Dmesg.seconds(now))
                        .append(": task ").append(sched.comm(task))
                        .append(" is blocked outside the harness; sleep with Kmod.msleep");
                StackTraceElement[] stack = task.getStackTrace();
                for (int i = 0; i < Math.min(stack.length, 16); i++) {
                    out.append("\n    at ").append(stack[i]);
                }
                reports.add(out.toString());
            }
            return reports;
        } finally {
            sched.lock.unlock();
        }
    }
}
