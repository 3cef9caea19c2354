package dev.kmodharness.time;


/**
 * The hung-task detector's report (kernel/hung_task.c, hung_task_info and
 * debug_show_blocker): a task blocked for longer than hung_task_timeout_secs; here, in module
 * code, outside any harness wait, its CPU time not rising (Object.wait, a latch, Thread.sleep,
 * a monitor, the JVM's class initialization). The kernel's lines, as far as they make sense on
 * the JVM: the INFO line, the taint and release line, the sysctl hint, sched_show_task's task
 * line and call trace, and,
 * when the JVM names who holds what the task waits for, the blocker line.
 */
final class HungTask {

    private HungTask() {
    }

    /**
     * @param trace the call trace, as {@link CallTrace#format} prints it
     * @param blocker the blocker line (without "INFO: "), or null when no owner is known
     * @param taintedRelease print_tainted(), the release and the version
     */
    static String report(String comm, int pid, long seconds, String trace, String blocker, String taintedRelease) {
        // pr_err("INFO: task %s:%d blocked for more than %ld seconds.\n", t->comm, t->pid, ...)
        StringBuilder out = new StringBuilder("INFO: task ").append(comm).append(':').append(pid)
                .append(" blocked for more than ").append(seconds).append(" seconds.\n")
                // pr_err("      %s %s %.*s\n", print_tainted(), init_utsname()->release, ...)
                .append("      ").append(taintedRelease).append('\n')
                .append("\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.\n")
                .append(CallTrace.taskLine(comm, pid, 'D')).append('\n')
                .append(trace);
        if (blocker != null) {
            out.append("\nINFO: ").append(blocker);
        }
        return out.toString();
    }
}
