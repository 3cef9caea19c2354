package dev.kmodharness.procfs;

import dev.kmodharness.module.ModuleFlags;
import dev.kmodharness.module.ModuleInfo;
import java.util.List;
import java.util.Locale;

/** /proc/modules (kernel/module/procfs.c) and lsmod(8)'s table made from it. */
public final class Procfs {

    private Procfs() {
    }

    /**
     * lsmod: header {@code Module                  Size  Used by}, then {@code %-19s %8ld  %d}
     * and the holders, comma-separated. Built-ins are not listed.
     */
    public static String lsmod(List<ModuleInfo> modules) {
        StringBuilder out = new StringBuilder("Module                  Size  Used by\n");
        for (ModuleInfo mod : modules) {
            out.append(String.format(Locale.ROOT, "%-19s %8d  %d", mod.name(), mod.size(), mod.refcnt()));
            if (!mod.holders().isEmpty()) {
                out.append(' ').append(String.join(",", mod.holders()));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /**
     * /proc/modules: {@code name size refcount deps state address}, deps as {@code a,b,}
     * (with {@code [permanent],} for an init without exit) or {@code -}, state Live, Loading or
     * Unloading, and for a tainted module module_flags(): (P) for proprietary, (P+) while it
     * loads, (P-) while it unloads. The address is printed as an
     * unprivileged reader sees it under kptr_restrict: zeros.
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
