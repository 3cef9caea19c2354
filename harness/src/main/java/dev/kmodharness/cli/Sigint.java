package dev.kmodharness.cli;

import dev.kmodharness.Kernel;
import java.io.PrintWriter;

/**
 * Ctrl-C (SIGINT, or SIGTERM) while a command runs: a JVM shutdown hook prints what the kernel
 * logged so far (dmesg), a blank line and each task's state with its call trace (sysrq-t),
 * then the JVM exits as the signal says. Closing removes the hook: a command that ends by
 * itself prints its own report.
 */
final class Sigint implements AutoCloseable {

    private final Thread hook;

    Sigint(Kernel kernel, PrintWriter out) {
        this.hook = new Thread(() -> {
            out.println("kmod-harness: interrupted; dmesg so far and the kernel's tasks:");
            kernel.dmesg().forEach(out::println);
            out.println();
            out.println(kernel.showState());
            out.flush();
        }, "kmod-harness sigint");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is shutting down: the hook runs (or ran) and prints the report.
        }
    }
}
