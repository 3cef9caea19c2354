package dev.kmodharness.module;

import dev.kmodharness.panic.Halted;
import dev.kmodharness.panic.Panic;
import java.util.List;

/**
 * Module code run on a kernel task, and what the kernel does when it fails. Every call into a
 * module (its init, its exit, its work items) goes through {@link #call}: the task's context
 * class loader is the module's while it runs, whatever the code throws comes back as a value
 * (an Error included: the JVM does not wrap an Error a static initializer throws), and the
 * interrupt flag the code leaves set is cleared, as it is the module's, not the harness's. A
 * throwable on a work item is an oops (arch/x86/kernel/dumpstack.c: oops_begin, __die,
 * oops_end); System.exit and its kind are a panic (kernel/panic.c: panic). Stateless beyond
 * the kernel's; the kernel lock is taken briefly to name the task.
 */
final class ModuleCode {

    /** Module code, as a call that may throw anything. */
    @FunctionalInterface
    interface Body {
        void run() throws Throwable;
    }

    private final ModuleList k;

    ModuleCode(ModuleList k) {
        this.k = k;
    }

    /**
     * Runs {@code body}, module {@code mod}'s code, on the calling thread. No lock held.
     *
     * @return what it threw, or null when it returned
     */
    Throwable call(Module mod, Body body) {
        Thread self = Thread.currentThread();
        ClassLoader saved = self.getContextClassLoader();
        boolean interrupted = self.isInterrupted();
        self.setContextClassLoader(mod.loader);
        try {
            body.run();
            return null;
        } catch (Throwable thrown) {
            return thrown;
        } finally {
            self.setContextClassLoader(saved);
            if (!interrupted) {
                Thread.interrupted();
            }
        }
    }

    /** Whether the kernel has panicked: module code ends, failures are no longer reported. */
    boolean panicked() {
        return k.panic.panicked();
    }

    /** Ends the calling task with {@link Halted} when the kernel has panicked. No lock held. */
    void checkAlive() {
        Halted halted = k.panic.halted();
        if (halted != null) {
            throw halted;
        }
    }

    /**
     * panic() for module {@code mod}'s {@code call} (System.exit(3)): the report in dmesg, the
     * kernel marked panicked, and the calling task ended. No lock held.
     */
    Halted panic(Module mod, String call) {
        String comm;
        int pid;
        k.sched.lock();
        try {
            comm = Thread.currentThread().getName();
            pid = k.sched.pid(Thread.currentThread());
        } finally {
            k.sched.unlock();
        }
        throw k.panic.panic(call + " called by module " + mod.name, comm, pid, new Throwable().getStackTrace());
    }

    /**
     * The oops for a throwable module {@code mod}'s work left uncaught: the report in dmesg, the
     * kernel tainted D. The kernel runs on; the caller's task ends. No lock held.
     *
     * @param workqueue print_worker_info's words: the workqueue and the work function
     */
    void oops(Module mod, Throwable thrown, String workqueue) {
        String comm;
        int pid;
        String linked;
        k.sched.lock();
        try {
            comm = Thread.currentThread().getName();
            pid = k.sched.pid(Thread.currentThread());
            linked = printModules();
        } finally {
            k.sched.unlock();
        }
        k.panic.oops(thrown, comm, pid, workqueue, linked);
    }

    /** print_modules (kernel/module/main.c): {@link ModuleFlags#printModules}. Lock held. */
    String printModules() {
        return ModuleFlags.printModules(k);
    }

    /** The work function as %ps would name it: a lambda by the class that wrote it. */
    static String workFunction(Runnable work) {
        String name = work.getClass().getName();
        int lambda = name.indexOf("$$Lambda");
        return lambda < 0 ? name : name.substring(0, lambda) + "$$Lambda";
    }

    /** The throwable's one line. */
    static String oneLine(Throwable thrown) {
        return Panic.oneLine(thrown);
    }
}
