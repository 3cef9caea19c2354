package dev.kmodharness.time;

import java.util.concurrent.locks.Condition;

/** A thread doing kernel work, with its pid in this kernel. Fields guarded by the scheduler's lock. */
final class Task {
    final int pid;
    final Thread thread;
    /** Under a schedule: signalled when this task is handed the CPU; else null. */
    final Condition turn;
    /** Nesting of enter() calls. */
    int depth = 1;
    /** Under a schedule: blocked in a harness wait, not runnable. */
    boolean blocked;
    /** Harness waits entered: the task's context switches (nvcsw), the detectors' sign of progress. */
    long switches;

    Task(int pid, Thread thread, Condition turn) {
        this.pid = pid;
        this.thread = thread;
        this.turn = turn;
    }

    /** As the kernel's logs name a task: "comm/pid". */
    String comm() {
        return thread.getName() + "/" + pid;
    }
}
