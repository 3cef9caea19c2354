package dev.kmodharness.module;

import static dev.kmodharness.api.Errno.EDEADLK;

import dev.kmodharness.lockdep.Resource;
import dev.kmodharness.lockdep.WaitFor;
import dev.kmodharness.time.Scheduler.Wake;
import dev.kmodharness.time.WaitQueue;
import dev.kmodharness.timing.InitRecord;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The async domain of kernel/async.c (async_schedule, current_is_async,
 * async_synchronize_full) and the work items of schedule_work (kernel/workqueue.c), each run
 * on a kernel worker thread of its own.
 */
final class Async {

    private final ModuleList k;
    private final ModuleCode code;
    /**
     * Threads running async_schedule work, the async domain, each with the name of the module
     * that scheduled it, oldest first. Guarded by the kernel lock.
     */
    private final Map<Thread, String> asyncWorkers = new LinkedHashMap<>();
    /**
     * The tasks with PF_USED_ASYNC: they called async_schedule since their last module init
     * began (5.15's do_init_module clears it before init). Guarded by the kernel lock.
     */
    private final Set<Thread> usedAsync = new HashSet<>();
    /** Woken when async work finishes: async_synchronize_full waits on it. */
    private final WaitQueue asyncWq = new WaitQueue("async_done");
    /** The async domain as the wait-for graph sees it: held by every async worker. */
    private final Resource asyncDomain = new Resource() {
        @Override
        public String describe() {
            return "async work";
        }

        @Override
        public Collection<Thread> holders() {
            return List.copyOf(asyncWorkers.keySet());
        }
    };

    Async(ModuleList k, ModuleCode code) {
        this.k = k;
        this.code = code;
    }

    /**
     * schedule_work / async_schedule: runs {@code work} on a new kernel worker thread, a task
     * of the kernel until it ends (so the kernel is not idle before).
     */
    void scheduleWork(Module mod, Runnable work, boolean async) {
        String thread = (async ? "async " : "kworker ") + mod.name;
        k.sched.lock();
        try {
            Thread worker = k.sched.spawn(thread, () -> {
                try {
                    // An uncaught throwable is an oops: the report, taint D, this task ended,
                    // the kernel running on. After a panic the task only ends.
                    Throwable thrown = code.call(mod, work::run);
                    if (thrown != null && !code.panicked()) {
                        // print_worker_info: "Workqueue: %s %ps"; async work runs as
                        // async_run_entry_fn on system_unbound_wq (kernel/async.c, async_schedule_node_domain)
                        code.oops(mod, thrown, async ? "events_unbound async_run_entry_fn"
                                : "events " + ModuleCode.workFunction(work) + " [" + mod.name + "]");
                    }
                } finally {
                    k.sched.lock();
                    try {
                        asyncWorkers.remove(Thread.currentThread());
                        k.sched.wakeUpAll(asyncWq);
                    } finally {
                        k.sched.unlock();
                    }
                }
            });
            if (async) {
                // In the async domain from now on, not only once it runs; it cannot finish
                // before this, as it needs the lock to.
                asyncWorkers.put(worker, mod.name);
                // __async_schedule_node_domain: current->flags |= PF_USED_ASYNC
                usedAsync.add(Thread.currentThread());
            }
        } finally {
            k.sched.unlock();
        }
    }

    /**
     * Clears PF_USED_ASYNC of the calling task and says whether it was set: do_init_module
     * clears it before init and (5.15) reads it after. Lock held.
     */
    boolean takeUsedAsync() {
        return usedAsync.remove(Thread.currentThread());
    }

    /** current_is_async: whether the calling thread is async work. Lock held. */
    boolean currentIsAsync() {
        return asyncWorkers.containsKey(Thread.currentThread());
    }

    /** Whether async work is pending or running. Lock held. */
    boolean pending() {
        return !asyncWorkers.isEmpty();
    }

    /**
     * async_synchronize_full: waits, no timeout, until no async work is left. Lock held;
     * released while waiting.
     *
     * @param mod the module whose init waits, for its init record; null for none (rmmod)
     * @param activity what the waiting task is doing, for the wait-for graph
     * @return how the wait ended: DEADLOCK when it closes a cycle under fail-fast
     */
    Wake synchronizeFull(Module mod, String activity) {
        InitRecord.Wait pending = mod == null || asyncWorkers.isEmpty() ? null
                : mod.record.waiting(InitRecord.ASYNC_SYNCHRONIZE_FULL, asyncWorkers.values().iterator().next());
        Wake wake = k.sched.waitEvent(asyncWq, asyncWorkers::isEmpty, -1, new WaitFor(activity, asyncDomain));
        if (pending != null) {
            mod.record.waited(pending, wake == Wake.DEADLOCK ? -EDEADLK : 0);
        }
        return wake;
    }
}
