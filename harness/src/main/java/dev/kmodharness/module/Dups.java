package dev.kmodharness.module;

import static dev.kmodharness.api.Errno.EBUSY;
import static dev.kmodharness.api.Errno.EDEADLK;
import static dev.kmodharness.api.Errno.EEXIST;

import dev.kmodharness.lockdep.WaitFor;
import dev.kmodharness.time.Scheduler.Wake;

/**
 * Loads of a name already loading: add_unformed_module's wait on module_wq (kernel/module/
 * main.c). The concern kernel/module/dups.c holds for duplicate requests, here for duplicate
 * loads.
 */
final class Dups {

    private final ModuleList k;

    Dups(ModuleList k) {
        this.k = k;
    }

    /**
     * add_unformed_module: a second load of a name whose first load is UNFORMED or COMING waits
     * for it to finish (no timeout), then fails: -EEXIST if it went LIVE, else -EBUSY. Lock held.
     */
    int addUnformedModule(Module mod) {
        Module old = k.list.get(mod.name);
        if (old == null && k.builtins.containsKey(mod.name)) {
            return -EEXIST;
        }
        if (old != null) {
            if (old.state == ModuleState.COMING || old.state == ModuleState.UNFORMED) {
                Wake wake = k.sched.waitEvent(k.moduleWq, () -> finishedLoading(mod.name), -1,
                        new WaitFor("insmod " + mod.name + " (same name)", old.loading));
                if (wake == Wake.DEADLOCK) {
                    return -EDEADLK;
                }
                if (wake != Wake.DONE) {
                    return -EBUSY;
                }
                old = k.list.get(mod.name);
            }
            return old != null && old.state == ModuleState.LIVE ? -EEXIST : -EBUSY;
        }
        k.list.put(mod.name, mod);
        mod.initThread = Thread.currentThread();
        return 0;
    }

    /** finished_loading. Lock held. */
    private boolean finishedLoading(String name) {
        Module mod = k.list.get(name);
        return mod == null || mod.state == ModuleState.LIVE || mod.state == ModuleState.GOING;
    }
}
