package dev.kmodharness.lockdep;

import java.util.function.Consumer;

/**
 * Lockdep's report sink: printk prints the report, then the user's onDeadlock listener hears
 * of it, kept from changing the scenario: it runs on the kernel task
 * whose wait closed the cycle, with the kernel lock held, so whatever it throws is caught there
 * (the closing wait then goes on as the policy says) and printk says once, in one line, what it
 * threw. To fail a test on a deadlock, the caller asks afterwards ({@code Kernel.assertNoDeadlock()}).
 */
public final class ListenerGuard implements Consumer<DeadlockReport> {

    private final Consumer<DeadlockReport> listener;
    private final Consumer<String> printk;
    /** Whether the listener has thrown. Guarded by the kernel lock: lockdep reports under it. */
    private boolean failed;

    public ListenerGuard(Consumer<DeadlockReport> listener, Consumer<String> printk) {
        this.listener = listener;
        this.printk = printk;
    }

    @Override
    public void accept(DeadlockReport report) {
        printk.accept(report.text());
        try {
            listener.accept(report);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) { // the caller's code: nothing it throws may reach a kernel task
            if (!failed) {
                failed = true;
                printk.accept("lockdep: onDeadlock listener threw " + e + "; ignored, the waits go on");
            }
        }
    }
}
