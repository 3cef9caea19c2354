package dev.kmodharness.module;

import dev.kmodharness.timing.InitRecord;

/**
 * request_module from a module, kernel/module/kmod.c's __request_module: the WARN for a
 * synchronous request from async work, then the request handed to kmod (call_modprobe).
 */
final class RequestModule {

    private final ModuleList k;
    private final Async async;
    private final Modules.Requester requester;
    /** WARN_ON_ONCE(wait && current_is_async()) fired. Guarded by the kernel lock. */
    private boolean warnedAsyncRequest;

    RequestModule(ModuleList k, Async async, Modules.Requester requester) {
        this.k = k;
        this.async = async;
        this.requester = requester;
    }

    /** __request_module on behalf of {@code mod}. No lock held; waits for modprobe if {@code wait}. */
    int requestModule(Module mod, String name, boolean wait) {
        String activity;
        InitRecord.Request pending = null;
        k.sched.lock();
        try {
            activity = mod.name + (mod.initThread == Thread.currentThread() ? " init" : "");
            if (wait && async.currentIsAsync() && !warnedAsyncRequest) {
                // WARN_ON_ONCE(wait && current_is_async()) in __request_module
                warnedAsyncRequest = true;
                k.dmesg.printk("------------[ cut here ]------------\n"
                        + "WARNING: at kernel/module/kmod.c __request_module: synchronous request_module(" + name
                        + ") from async work of " + mod.name + " [" + Thread.currentThread().getName() + "]\n"
                        + "---[ end trace ]---");
            }
            if (mod.record != null) {
                pending = mod.record.requesting(name, wait, k.sched.comm(Thread.currentThread()));
            }
        } finally {
            k.sched.unlock();
        }
        int ret = requester.requestModule(name, wait, activity);
        if (pending != null) {
            k.sched.lock();
            try {
                mod.record.requested(pending, ret);
            } finally {
                k.sched.unlock();
            }
        }
        return ret;
    }
}
