package dev.kmodharness.cli;

import dev.kmodharness.Kernel;
import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.module.ModuleState;
import dev.kmodharness.time.Lockup;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code modprobe --modules DIR NAME [param=value]...}: boots a fresh kernel on DIR, loads NAME,
 * waits until nothing is loading any more, prints dmesg, a blank line, then lsmod.
 */
@Command(name = "modprobe", mixinStandardHelpOptions = true,
        description = "Boot a kernel on a modules directory and load one module with its dependencies; "
                + "print dmesg, a blank line and lsmod. Exit 0 when NAME is LIVE or built in, 1 when not.")
final class ModprobeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--modules", paramLabel = "DIR", required = true,
            description = "The modules directory (like /lib/modules/VERSION).")
    Path modules;

    @Mixin
    KernelOptions kernelOptions;

    @Mixin
    ReportOptions reportOptions;

    @Parameters(index = "0", paramLabel = "NAME", description = "The module to load.")
    String name;

    @Parameters(index = "1..*", paramLabel = "param=value", description = "Its parameters.")
    List<String> params = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Kernel kernel = kernelOptions.boot(modules, err); Sigint sigint = new Sigint(kernel, out)) {
            kernel.depmod().warnings().forEach(err::println);
            boolean idle = modprobeAndWait(kernel, name, params, err);
            print(kernel, out);
            reportOptions.report(kernel, out);
            if (!idle) {
                return 1;
            }
            boolean loaded = kernel.module(name.replace('-', '_'))
                    .filter(m -> m.builtin() || m.state() == ModuleState.LIVE).isPresent();
            return loaded ? 0 : 1;
        }
    }

    /**
     * Runs {@code modprobe NAME params} as a task of the kernel and waits until the kernel is
     * idle, printing modprobe's errors; or, when the kernel hangs for good instead (every task
     * waiting with no timeout), says so in one line.
     *
     * @return true when the kernel went idle, false when it hung
     */
    static boolean modprobeAndWait(Kernel kernel, String name, List<String> params, PrintWriter err) {
        AtomicReference<Object> outcome = new AtomicReference<>();
        kernel.exec("modprobe " + name, () -> {
            try {
                outcome.set(kernel.modprobe(name, params.toArray(String[]::new)));
            } catch (RuntimeException e) {
                outcome.set(e);
            }
        });
        boolean idle = kernel.awaitIdle();
        if (outcome.get() instanceof dev.kmodharness.panic.KernelPanicException panic) {
            err.println(panic.getMessage()); // the panic's line; dmesg has the report
            return false;
        }
        if (outcome.get() instanceof RuntimeException e) {
            throw e;
        }
        if (outcome.get() instanceof Modprobe.Result result) {
            result.errors().forEach(err::println);
        }
        if (!idle) {
            hung(kernel, err);
        }
        return idle;
    }

    /**
     * Says in one line why the kernel cannot finish (the detectors' or lockdep's report is in
     * dmesg). The kernel stays as it hung until the command has printed dmesg, lsmod and its
     * reports: closing it first would interrupt the stuck tasks and show a kernel that moved on.
     */
    static void hung(Kernel kernel, PrintWriter err) {
        if (!kernel.lockups().isEmpty()) {
            err.println("kmod-harness: hung: " + kernel.lockups().stream().map(Lockup::summary)
                    .collect(Collectors.joining(", ")) + " (the report is in dmesg)");
        } else {
            // In the harness or in the JVM (a monitor, a class initialization): no wait of the
            // cycle has a timeout.
            err.println("kmod-harness: hung: every kernel task waits with no timeout, for good"
                    + (kernel.deadlocks().isEmpty() ? "" : " (the cycle is in dmesg)"));
        }
        err.flush();
    }

    /** dmesg, one blank line, lsmod. */
    static void print(Kernel kernel, PrintWriter out) {
        kernel.dmesg().forEach(out::println);
        out.println();
        out.print(kernel.lsmod());
        out.flush();
    }
}
