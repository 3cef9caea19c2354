package dev.kmodharness.module;

import java.util.List;

/**
 * A snapshot of one module, as /proc/modules and /sys/module/NAME show it.
 *
 * @param name the module's name
 * @param size the Size column of lsmod (bytes of the module's classes and resources)
 * @param refcnt module_refcount(): references beyond the base, the init reference included
 * @param holders modules using this one, most recent first (/sys/module/NAME/holders)
 * @param uses modules this one uses
 * @param state its state
 * @param builtin whether it is built in (then it is in no list but /sys/module)
 * @param permanent it has an init but no exit: it can never be unloaded
 * @param proprietary its license is not GPL-compatible (the (P) taint flag)
 */
public record ModuleInfo(String name, long size, int refcnt, List<String> holders, List<String> uses,
        ModuleState state, boolean builtin, boolean permanent, boolean proprietary) {
}
