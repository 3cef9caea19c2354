package dev.kmodharness.time;


/**
 * The narrow interface through which a kernel booted with a schedule asks who runs next. The
 * scheduler knows no strategy: at every scheduling point it reports the step that just ended and
 * asks for the next task; a strategy (in {@code dev.kmodharness.explore}) answers.
 *
 * <p>Scheduling points are the harness events: the kernel lock taken by a task (every module
 * state change, symbol resolution, request_module, kmod slot, class-gate lookup, reference taken
 * or dropped goes through it), every wait, and every task's start and exit. Code between two
 * points, plugin code included, runs as one step of one task.
 */
public interface ScheduleControl {

    /**
     * One scheduling decision: the step of task {@code finished} ended. Called with the kernel
     * lock held, on the thread whose step ended (or on a task taking a free CPU); it must not
     * block or call the kernel.
     *
     * @param finished the pid of the task whose step ended, 0 when the CPU was free
     * @param task that task as the kernel's logs name it, "comm/pid" (empty for 0)
     * @param runnable the pids of the tasks that can run, ascending; empty when none can (then
     *     the answer is ignored: the kernel is idle, hung, or waiting for a task from outside)
     * @param current the pid of the task that reached the point and can go on, else 0; choosing
     *     another task while it can go on is a preemption
     * @return one of {@code runnable}
     */
    int next(int finished, String task, int[] runnable, int current);

    /**
     * An effect of the running step that other tasks can see, reported as it happens: by the
     * scheduler (waits, wake-ups, task start and exit, time) and by the kernel (module states,
     * printk). May be called without the kernel lock (printk from module code).
     */
    void effect(Kind kind, String subject, int count);

    /** What a step did that others can see: its footprint and its line in an interleaving. */
    enum Kind {
        /** The task blocked in a harness wait; subject: what it waits for. */
        WAIT,
        /** wake_up_all; subject: the queue; {@code count} waiters were woken. */
        WAKE,
        /** A module changed state; subject: "NAME STATE". */
        STATE,
        /** printk. */
        PRINTK,
        /** A new task; subject: its name. */
        SPAWN,
        /** The task ended. */
        EXIT,
        /** Virtual time jumped (every task blocked); subject: the new time, seconds. */
        TIME
    }
}
