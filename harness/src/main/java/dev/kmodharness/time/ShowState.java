package dev.kmodharness.time;

import java.util.function.Predicate;

/**
 * sysrq-t (kernel/sched/core.c, show_state_filter): every task with its state and call trace,
 * as sched_show_task prints each. State R: running outside any harness wait; S: asleep in a
 * harness wait (interruptible, as the kernel's waits are); D: blocked outside the harness
 * (its Java thread BLOCKED, WAITING or TIMED_WAITING).
 */
public final class ShowState {

    private ShowState() {
    }

    /** The report, "sysrq: Show State" first. */
    public static String render(Scheduler sched, Predicate<StackTraceElement> moduleFrame) {
        StringBuilder out = new StringBuilder("sysrq: Show State");
        for (TaskState task : sched.detectors.tasks()) {
            Thread thread = task.thread();
            char state = task.parked() ? 'S' : thread.getState() == Thread.State.RUNNABLE ? 'R' : 'D';
            out.append('\n').append(CallTrace.taskLine(thread.getName(), task.pid(), state)).append('\n')
                    .append(CallTrace.format(thread.getStackTrace(), moduleFrame));
        }
        return out.toString();
    }
}
