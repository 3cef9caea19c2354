package dev.kmodharness.module;

import static dev.kmodharness.api.Errno.EFAULT;
import static dev.kmodharness.api.Errno.ENOENT;
import static dev.kmodharness.api.Errno.ENOMEM;

import dev.kmodharness.api.ModuleInitException;
import dev.kmodharness.timing.Stamp;

/**
 * do_one_initcall of init/main.c for a module's init, with initcall_debug's "calling" and
 * "initcall ... returned" lines and the init's timing record (the harness's load statistics,
 * kernel/module/stats.c's concern). The init is the static initializer of the Module-Init
 * class, run on the calling thread.
 */
final class Initcall {

    private final ModuleList k;
    private final ModuleCode code;
    /** initcall_debug: print "calling" and "initcall ... returned" around every init. */
    private final boolean initcallDebug;

    Initcall(ModuleList k, ModuleCode code, boolean initcallDebug) {
        this.k = k;
        this.code = code;
        this.initcallDebug = initcallDebug;
    }

    /** Initializes the Module-Init class: module_init. Returns 0 or a negative errno. No lock held. */
    int runInit(Module mod) {
        if (mod.image.initClass() == null) {
            return 0;
        }
        String initcall = mod.image.initClass().substring(mod.image.initClass().lastIndexOf('.') + 1)
                + ".<clinit> [" + mod.name + "]";
        Stamp start;
        k.sched.lock();
        try {
            mod.record.initStart();
            start = k.timings.now();
            if (initcallDebug) {
                k.dmesg.printk("calling  " + initcall + " @ " + k.sched.pid(Thread.currentThread()));
            }
        } finally {
            k.sched.unlock();
        }
        int ret = callInit(mod);
        k.sched.lock();
        try {
            mod.record.initEnd(ret);
            if (initcallDebug) {
                k.dmesg.printk("initcall " + initcall + " returned " + ret + " after "
                        + (k.sched.now() - start.kernelNanos()) / 1000 + " usecs");
            }
        } finally {
            k.sched.unlock();
        }
        return ret;
    }

    /**
     * Initializes the Module-Init class on the calling thread. Whatever it throws fails the
     * init: an exception comes wrapped in ExceptionInInitializerError, an Error as it was thrown
     * (JLS 12.4.2); neither goes further. No lock held.
     */
    private int callInit(Module mod) {
        Throwable thrown = code.call(mod, () -> {
            // loaded first as the harness (the loader sees its direct caller and need not walk
            // the stack), then initialized: the JVM finds the class in the loader's record
            mod.loader.loadClass(mod.image.initClass());
            Class.forName(mod.image.initClass(), true, mod.loader);
        });
        if (thrown == null) {
            // An init that caught the panic's Error and returned has not run: the kernel is gone.
            return code.panicked() ? -EFAULT : 0;
        }
        if (thrown instanceof ExceptionInInitializerError e && e.getCause() != null) {
            thrown = e.getCause();
        }
        if (thrown instanceof ModuleInitException failure) {
            return failure.errno();
        }
        return initThrew(mod, thrown);
    }

    /**
     * One dmesg line naming what init threw, and its errno: -ENOMEM for OutOfMemoryError,
     * -ENOENT for a class or method that is not there (the JVM's unknown symbol), -EFAULT for
     * the rest (where the kernel would oops). None after a panic: its report says it all.
     */
    private int initThrew(Module mod, Throwable cause) {
        int errno = cause instanceof OutOfMemoryError ? -ENOMEM
                : cause instanceof LinkageError || cause instanceof ClassNotFoundException ? -ENOENT : -EFAULT;
        if (!code.panicked()) {
            k.dmesg.printk(mod.name + ": module_init threw " + ModuleCode.oneLine(cause) + " (err " + errno + ")");
        }
        return errno;
    }
}
