package dev.kmodharness.module;

import static dev.kmodharness.api.Errno.EBUSY;
import static dev.kmodharness.api.Errno.EDEADLK;
import static dev.kmodharness.api.Errno.EEXIST;

import dev.kmodharness.lockdep.Resource;
import dev.kmodharness.lockdep.WaitFor;
import dev.kmodharness.time.Scheduler.Wake;
import dev.kmodharness.time.WaitQueue;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * Duplicate loads (kernel/module/main.c; kernel/module/dups.c holds the same concern for
 * duplicate requests): a load of a file another load of it is under way waits for that load
 * and returns its result (idempotent_init_module, since 6.5); a load of a name already loading
 * waits in add_unformed_module.
 */
final class Dups {

    private final ModuleList k;
    /** The finit_module calls under way, by file (idempotent_init_module). Guarded by the kernel lock. */
    private final Map<Path, Idempotent> loads = new HashMap<>();
    /** Woken when an idempotent load completes. */
    private final WaitQueue idemWq = new WaitQueue("idem_wq");

    /** struct idempotent: one load of a file, its result once done. Guarded by the kernel lock. */
    private static final class Idempotent implements Resource {
        final String name;
        final Thread loader = Thread.currentThread();
        boolean done;
        int ret;

        Idempotent(String name) {
            this.name = name;
        }

        @Override
        public String describe() {
            return "finit_module(" + name + ")";
        }

        @Override
        public Collection<Thread> holders() {
            return done ? List.of() : List.of(loader);
        }
    }

    Dups(ModuleList k) {
        this.k = k;
    }

    /**
     * idempotent_init_module: on a release that has it, runs {@code load} unless a load of
     * the same file is under way, else waits (no timeout) for that one and returns its result.
     * No lock held on entry; {@code load} runs without it.
     */
    int idempotentInitModule(Path file, String name, IntSupplier load) {
        if (file == null || !k.release.idempotentSameFileLoads()) {
            return load.getAsInt();
        }
        Idempotent mine = new Idempotent(name);
        k.sched.lock();
        try {
            Idempotent first = loads.putIfAbsent(file, mine);
            if (first != null) {
                // idempotent_wait_for_completion: wait_for_completion_interruptible
                Wake wake = k.sched.waitEvent(idemWq, () -> first.done, -1,
                        new WaitFor("insmod " + name + " (same file)", first));
                return wake == Wake.DONE ? first.ret : wake == Wake.DEADLOCK ? -EDEADLK : -4; // EINTR
            }
        } finally {
            k.sched.unlock();
        }
        int ret = -4;
        try {
            ret = load.getAsInt();
            return ret;
        } finally {
            k.sched.lock();
            try {
                // idempotent_complete: every waiter gets this load's result
                mine.ret = ret;
                mine.done = true;
                loads.remove(file, mine);
                k.sched.wakeUpAll(idemWq);
            } finally {
                k.sched.unlock();
            }
        }
    }

    /**
     * add_unformed_module: a second load of a name whose first load is UNFORMED or COMING waits
     * for it to finish (no timeout), then fails: -EEXIST if it went LIVE, else -EBUSY. On 5.15
     * it waits while the first is not LIVE (GOING too) and tries again: a name gone by then is
     * loaded afresh. Lock held; released while waiting.
     */
    int addUnformedModule(Module mod) {
        Module old = k.list.get(mod.name);
        if (old == null && k.builtins.containsKey(mod.name)) {
            return -EEXIST;
        }
        while (old != null && k.release.sameNameLoadRetries()) {
            if (old.state == ModuleState.LIVE) {
                return -EEXIST;
            }
            // "Wait in case it fails to load." then goto again
            Module first = old;
            Wake wake = k.sched.waitEvent(k.moduleWq, () -> {
                Module now = k.list.get(mod.name);
                return now == null || now.state == ModuleState.LIVE;
            }, -1, new WaitFor("insmod " + mod.name + " (same name)", first.loading));
            if (wake == Wake.DEADLOCK) {
                return -EDEADLK;
            }
            if (wake != Wake.DONE) {
                return -EBUSY;
            }
            old = k.list.get(mod.name);
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
