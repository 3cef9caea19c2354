package dev.kmodharness.module;

/**
 * module_flags() and print_modules() of kernel/module/main.c (kernel/module.c in 5.15), which
 * /proc/modules (m_show) and every "Modules linked in:" line (an oops, the __request_module
 * WARN, a soft lockup) print. The harness's modules carry one taint, P
 * (TAINT_PROPRIETARY_MODULE: their licence, or inherited in resolve_symbol); the kernel's
 * module_flags_taint would print the other per-module letters (O, E, ...) in taint_flags[]'s
 * order after it.
 */
public final class ModuleFlags {

    private ModuleFlags() {
    }

    /**
     * module_flags(mod, buf, show_state): empty for a module with no taint unless
     * {@code showState}; else, for a tainted, COMING or GOING module, {@code (} the taint
     * letters, {@code -} while GOING or {@code +} while COMING when {@code showState}, {@code )}.
     * So {@code (P)}, {@code (P+)}, {@code (P-)}, {@code (+)}, {@code (-)}. 5.15's
     * module_flags(mod, buf) had no show_state and always showed the state; it was called only
     * where 6.12 passes true (17dd25c29cda, v6.0, added the argument for the last unloaded
     * module).
     */
    public static String of(boolean proprietary, ModuleState state, boolean showState) {
        if (!proprietary && !showState) {
            return "";
        }
        if (!proprietary && state != ModuleState.GOING && state != ModuleState.COMING) {
            return "";
        }
        StringBuilder buf = new StringBuilder("(");
        if (proprietary) {
            buf.append('P'); // module_flags_taint: taint_flags[TAINT_PROPRIETARY_MODULE].c_true
        }
        if (showState && state == ModuleState.GOING) {
            buf.append('-');
        }
        if (showState && state == ModuleState.COMING) {
            buf.append('+');
        }
        return buf.append(')').toString();
    }

    /** module_flags(mod, buf, true) of a snapshot. */
    public static String of(ModuleInfo mod) {
        return of(mod.proprietary(), mod.state(), true);
    }

    /**
     * What print_modules prints after {@code Modules linked in:}: each formed module, newest
     * first (the module list's order), as {@code " %s%s"} with its module_flags, then
     * {@code " [last unloaded: %s]"} once a module was unloaded. Lock held.
     */
    static String printModules(ModuleList k) {
        StringBuilder s = new StringBuilder();
        Module[] mods = k.list.values().toArray(Module[]::new);
        for (int i = mods.length - 1; i >= 0; i--) {
            Module mod = mods[i];
            if (mod.state == ModuleState.UNFORMED) {
                continue;
            }
            s.append(' ').append(mod.name).append(of(mod.proprietaryTaint, mod.state, true));
        }
        if (!k.lastUnloaded.isEmpty()) {
            s.append(" [last unloaded: ").append(k.lastUnloaded).append(']');
        }
        return s.toString();
    }

    /**
     * What delete_module keeps of the module it unloads, for print_modules: its name, and since
     * 6.0 its module_flags(mod, buf, false) ({@link dev.kmodharness.release.Release#lastUnloadedShowsTaints}).
     * Lock held.
     */
    static String lastUnloaded(ModuleList k, Module mod) {
        return mod.name + (k.release.lastUnloadedShowsTaints() ? of(mod.proprietaryTaint, mod.state, false) : "");
    }
}
