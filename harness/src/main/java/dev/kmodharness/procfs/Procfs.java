package dev.kmodharness.procfs;

import dev.kmodharness.module.ModuleFlags;
import dev.kmodharness.module.ModuleInfo;
import java.util.List;

/** /proc/modules (kernel/module/procfs.c) and lsmod(8)'s table made from it. */
public final class Procfs {

    private Procfs() {
    }

    /**
     * lsmod, kmod's tools/lsmod.c (the same in kmod 29 and today's): header
     * {@code Module                  Size  Used by}, then for each module of /proc/modules, in its
     * order, {@code %-19s %8ld  %d} and the holders, a space then comma-separated. Built-ins are
     * not listed. (kmod reads the holders from /sys/module/NAME/holders, in kernfs's order; they
     * are listed here newest first, as /proc/modules has them: see the README's "Where we
     * differ".)
     */
    public static String lsmod(List<ModuleInfo> modules) {
        StringBuilder out = new StringBuilder("Module                  Size  Used by\n");
        for (ModuleInfo mod : modules) {
            // %-19s %8d  %d, by hand: String.format costs more than the rest of a short schedule
            String size = Long.toString(mod.size());
            out.append(mod.name()).append(" ".repeat(Math.max(0, 19 - mod.name().length()))).append(' ')
                    .append(" ".repeat(Math.max(0, 8 - size.length()))).append(size).append("  ").append(mod.refcnt());
            if (!mod.holders().isEmpty()) {
                out.append(' ').append(String.join(",", mod.holders()));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /**
     * /proc/modules, kernel/module/procfs.c's m_show: {@code name size refcount deps state
     * address}, deps as print_unload_info writes them, the modules using this one newest first,
     * each with a trailing comma ({@code a,b,}, {@code [permanent],} for an init without exit)
     * or {@code -}; state Live, Loading or Unloading; and for a tainted module module_flags():
     * (P) for proprietary, (P+) while it loads, (P-) while it unloads. The address is printed
     * as an unprivileged reader sees it (%px of NULL when kallsyms_show_value says no): zeros.
     */
    public static String procModules(List<ModuleInfo> modules) {
        StringBuilder out = new StringBuilder();
        for (ModuleInfo mod : modules) {
            StringBuilder deps = new StringBuilder();
            mod.holders().forEach(h -> deps.append(h).append(','));
            if (mod.permanent()) {
                deps.append("[permanent],");
            }
            out.append(mod.name()).append(' ').append(mod.size()).append(' ').append(mod.refcnt()).append(' ')
                    .append(deps.length() == 0 ? "-" : deps).append(' ')
                    .append(mod.state().procState()).append(" 0x0000000000000000");
            if (mod.proprietary()) {
                // m_show: "if (mod->taints) seq_printf(m, \" %s\", module_flags(mod, buf, true))"
                out.append(' ').append(ModuleFlags.of(mod));
            }
            out.append('\n');
        }
        return out.toString();
    }
}
