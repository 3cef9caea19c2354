package dev.kmodharness.module;

import static dev.kmodharness.api.Errno.EBUSY;
import static dev.kmodharness.api.Errno.EDEADLK;
import static dev.kmodharness.api.Errno.ENOENT;

import dev.kmodharness.lockdep.DeadlockPolicy;
import dev.kmodharness.lockdep.WaitFor;

/**
 * Module references, the module_unload section of kernel/module/main.c: try_module_get,
 * module_put, ref_module (a module using another's symbol holds a reference on it and is one
 * of its holders) and strong_try_module_get.
 */
final class Refcnt {

    private final ModuleList k;

    Refcnt(ModuleList k) {
        this.k = k;
    }

    /** try_module_get: COMING and LIVE modules (and built-ins) give a reference. */
    boolean tryModuleGet(String name) {
        k.sched.lock();
        try {
            if (k.builtins.containsKey(name)) {
                return true;
            }
            Module mod = k.list.get(name);
            if (mod == null || (mod.state != ModuleState.LIVE && mod.state != ModuleState.COMING)) {
                return false;
            }
            mod.refcnt++;
            return true;
        } finally {
            k.sched.unlock();
        }
    }

    /** module_put. */
    void modulePut(String name) {
        k.sched.lock();
        try {
            Module mod = k.list.get(name);
            if (mod != null && mod.refcnt > 0) {
                mod.refcnt--;
            }
        } finally {
            k.sched.unlock();
        }
    }

    /** ref_module: records that {@code a} uses {@code b}, taking a reference on b. Lock held. */
    int refModule(Module a, Module b, String activity) {
        if (a.uses.contains(b)) {
            return 0;
        }
        int err = strongTryModuleGet(b, activity);
        if (err != 0) {
            return err;
        }
        b.holders.addFirst(a);
        a.uses.addFirst(b);
        return 0;
    }

    /**
     * strong_try_module_get: COMING refuses with -EBUSY, GOING with -ENOENT. With the gate off
     * COMING passes, as a JVM links to a class still initializing; the edge is still probed
     * for a cycle. Lock held.
     */
    private int strongTryModuleGet(Module mod, String activity) {
        if (mod.state == ModuleState.COMING) {
            if (k.gate) {
                return -EBUSY;
            }
            if (probe(mod, activity) && k.sched.deadlockPolicy() == DeadlockPolicy.FAIL_FAST) {
                return -EDEADLK;
            }
        }
        if (mod.state != ModuleState.LIVE && mod.state != ModuleState.COMING) {
            return -ENOENT;
        }
        mod.refcnt++;
        return 0;
    }

    /** Whether the current thread waiting on {@code owner} closes a cycle; lock held. */
    private boolean probe(Module owner, String activity) {
        return k.sched.probe(new WaitFor(activity, owner.loading)) != null;
    }
}
