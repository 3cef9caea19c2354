package dev.kmodharness.time;

/**
 * One report of the kernel's lockup detectors: a task found running module code without
 * reaching a harness wait for longer than the threshold.
 *
 * @param kind which detector spoke
 * @param comm the task's name (the thread's)
 * @param pid its pid in this kernel
 * @param seconds how long it had been stuck when reported, in whole seconds of real time
 * @param text the report as printk printed it, several lines
 */
public record Lockup(Kind kind, String comm, int pid, long seconds, String text) {

    /** The detector. */
    public enum Kind {
        /** kernel/watchdog.c: the task kept a CPU busy (its CPU time rose) without scheduling. */
        SOFT_LOCKUP,
        /** kernel/hung_task.c: the task was blocked (its CPU time did not rise) outside the harness. */
        HUNG_TASK
    }

    /** "soft lockup of modprobe a:3" or "hung task modprobe a:3", for one-line messages. */
    public String summary() {
        return (kind == Kind.SOFT_LOCKUP ? "soft lockup of task " : "hung task ") + comm + ":" + pid;
    }
}
