package dev.kmodharness.time;

import java.util.concurrent.locks.Condition;

/** One blocked thread. Fields guarded by the scheduler's lock. */
final class Waiter {
    final Condition condition;
    final long deadline;
    /** Whether this waiter's task is counted in {@code runnable}. */
    final boolean counted;
    /** Under a schedule, the waiting task (it waits for its turn on the CPU); else null. */
    final Task task;
    boolean woken;

    Waiter(Condition condition, long deadline, boolean counted) {
        this.condition = condition;
        this.deadline = deadline;
        this.counted = counted;
        this.task = null;
    }

    Waiter(Task task, long deadline) {
        this.condition = task.turn;
        this.deadline = deadline;
        this.counted = true;
        this.task = task;
    }
}
