package dev.kmodharness.time;

import dev.kmodharness.module.ModuleInfo;
import dev.kmodharness.module.ModuleState;
import java.util.List;

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
     * @param modules the module list, newest first
     */
    static String report(String comm, int pid, long seconds, String trace, List<ModuleInfo> modules) {
        // pr_fmt "watchdog: " + pr_emerg("BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]\n", ...)
        return "watchdog: BUG: soft lockup - CPU#0 stuck for " + seconds + "s! [" + comm + ":" + pid + "]\n"
                + modulesLinkedIn(modules) + "\n"
                + "CPU: 0 PID: " + pid + " Comm: " + comm + "\n"
                + trace;
    }

    /**
     * kernel/module/main.c, print_modules: "Modules linked in:" and each module with its
     * flags from module_flags: (P) proprietary, (+) COMING, (-) GOING. Built-ins are no modules.
     */
    static String modulesLinkedIn(List<ModuleInfo> modules) {
        StringBuilder out = new StringBuilder("Modules linked in:");
        for (ModuleInfo mod : modules) {
            if (mod.builtin()) {
                continue;
            }
            out.append(' ').append(mod.name());
            String flags = (mod.proprietary() ? "P" : "")
                    + (mod.state() == ModuleState.COMING ? "+" : mod.state() == ModuleState.GOING ? "-" : "");
            if (!flags.isEmpty()) {
                out.append('(').append(flags).append(')');
            }
        }
        return out.toString();
    }
}
