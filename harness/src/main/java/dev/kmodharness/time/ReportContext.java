package dev.kmodharness.time;

/**
 * What the lockup reports print of the kernel they run in, and what they do to it
 * (kernel/watchdog.c, kernel/hung_task.c): print_modules' list, dump_stack_print_info's
 * {@code CPU:} line, print_tainted() with the release, and the soft lockup's taint. Called on
 * the watchdog thread without the kernel lock.
 */
public interface ReportContext {

    /** What print_modules prints after {@code Modules linked in:}. */
    String printModules();

    /** dump_stack_print_info's line: {@code CPU: 0 PID: 2 Comm: modprobe a Not tainted 5.15.0 #1}. */
    String cpuLine(String comm, int pid);

    /** print_tainted(), the release and the version: {@code Not tainted 5.15.0 #1}. */
    String taintedRelease();

    /** add_taint(TAINT_SOFTLOCKUP, LOCKDEP_STILL_OK), as watchdog_timer_fn does after its report. */
    void taintSoftLockup();
}
