package dev.kmodharness.module;

import dev.kmodharness.panic.Tainted;
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

    /**
     * The WARN as kernel/panic.c's __warn prints it: the cut line, "WARNING: CPU: %d PID: %d at
     * %s:%d %pS", the modules linked in (print_modules, with module_flags' taint letters and
     * + or -), the task's line as dump_stack begins it, and the end marker. The harness has no
     * registers or stack to dump, and one CPU; the line is that of the WARN_ON_ONCE in the
     * release's kmod.c (kernel/kmod.c:136 up to 2023, then kernel/module/kmod.c); the task line
     * has print_tainted() as it was before this WARN, which then taints W. Lock held.
     */
    private String warning() {
        Thread current = Thread.currentThread();
        int pid = k.sched.pid(current);
        String linked = "Modules linked in:" + ModuleFlags.printModules(k);
        String where = k.release.kmodSource() + (k.release.kmodSource().equals("kernel/kmod.c") ? ":136" : ":135");
        return "------------[ cut here ]------------\n"
                + "WARNING: CPU: 0 PID: " + pid + " at " + where + " __request_module\n"
                + linked + "\n"
                // dump_stack_print_info: print_tainted(), before __warn's add_taint(TAINT_WARN)
                + k.panic.cpuLine(current.getName(), pid) + "\n"
                + "---[ end trace 0000000000000000 ]---";
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
                k.dmesg.printk(warning());
                k.tainted.add(Tainted.WARN); // __warn ends with add_taint(TAINT_WARN, LOCKDEP_STILL_OK)
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
