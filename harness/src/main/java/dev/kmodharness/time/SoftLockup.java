package dev.kmodharness.time;

/**
 * The soft-lockup detector's report (kernel/watchdog.c, watchdog_timer_fn): a task kept its
 * CPU for longer than the threshold without scheduling; here, ran module code, its CPU time
 * rising, without reaching a harness wait. The kernel's lines, as far as they make sense on
 * the JVM: the BUG line, print_modules' "Modules linked in:", dump_stack's header and the
 * call trace. The JVM does not say which CPU a thread is on: CPU is always 0.
 */
final class SoftLockup {

    private SoftLockup() {
    }

    /**
     * @param trace the call trace, as {@link CallTrace#format} prints it
     * @param modules what print_modules prints after "Modules linked in:"
     * @param cpuLine dump_stack_print_info's line, as show_regs prints it
     */
    static String report(String comm, int pid, long seconds, String trace, String modules, String cpuLine) {
        // pr_fmt "watchdog: " + pr_emerg("BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]\n", ...)
        return "watchdog: BUG: soft lockup - CPU#0 stuck for " + seconds + "s! [" + comm + ":" + pid + "]\n"
                + "Modules linked in:" + modules + "\n"
                + cpuLine + "\n"
                + trace;
    }
}
