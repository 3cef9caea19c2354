package dev.kmodharness.junit;

import dev.kmodharness.Kernel;
import dev.kmodharness.lockdep.DeadlockReport;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.report.ChromeTrace;
import dev.kmodharness.report.CriticalChain;
import dev.kmodharness.report.SvgPlot;
import dev.kmodharness.timing.InitRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.MediaType;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The kernel as a failing {@link KernelTest} left it, added to the failure as a suppressed
 * throwable (so it prints under the failure's stack trace, in the IDE and in Surefire's report):
 * dmesg, lsmod, the lockdep reports and the critical chain. The same text, the Chrome trace
 * and the SVG plot are published as the test's files ({@link ExtensionContext#publishFile}),
 * which Jupiter writes under its reporting output directory
 * ({@code junit.platform.reporting.output.dir}). It carries no stack trace of its own.
 */
public final class KernelReport extends Throwable {

    private static final long serialVersionUID = 1L;

    /** The names the files are published under. */
    static final String REPORT_FILE = "kernel.txt";
    static final String TRACE_FILE = "trace.json";
    static final String PLOT_FILE = "plot.svg";

    private KernelReport(String text) {
        super(text, null, false, false);
    }

    @Override
    public String toString() {
        return getMessage();
    }

    /** Publishes the report, the trace and the plot as the test's files; returns the report. */
    static KernelReport publish(BootedKernel booted, ExtensionContext context) {
        Kernel kernel = booted.kernel();
        List<InitRecord> timings = kernel.timings();
        String text = text(kernel, booted.dir());
        // Jupiter chooses where a published file goes and hands its path to the writer.
        AtomicReference<Path> where = new AtomicReference<>();
        String attached;
        try {
            context.publishFile(REPORT_FILE, MediaType.TEXT_PLAIN_UTF_8, path -> {
                where.set(path.getParent());
                Files.writeString(path, text + "\n", StandardCharsets.UTF_8);
            });
            context.publishFile(TRACE_FILE, MediaType.APPLICATION_JSON,
                    path -> Files.writeString(path, ChromeTrace.render(timings), StandardCharsets.UTF_8));
            context.publishFile(PLOT_FILE, MediaType.parse("image/svg+xml"),
                    path -> Files.writeString(path, SvgPlot.render(timings), StandardCharsets.UTF_8));
            attached = "attached: " + REPORT_FILE + ", " + TRACE_FILE + " (chrome://tracing, Perfetto), " + PLOT_FILE
                    + " in " + where.get();
        } catch (RuntimeException e) {
            attached = "not attached: " + e;
        }
        return new KernelReport(text + "\n" + attached);
    }

    /** The report's text: where the kernel is, dmesg, lsmod, lockdep, the critical chain. */
    static String text(Kernel kernel, Path dir) {
        StringBuilder out = new StringBuilder();
        out.append("the kernel when the test failed: ").append(Dmesg.seconds(kernel.now())).append(" s of kernel time, ")
                .append(kernel.clock().name().toLowerCase(java.util.Locale.ROOT)).append(" clock, modules ")
                .append(dir).append('\n');
        out.append("== dmesg ==\n");
        kernel.dmesg().forEach(line -> out.append(line).append('\n'));
        out.append("== lsmod ==\n").append(kernel.lsmod());
        if (!kernel.lsmod().endsWith("\n")) {
            out.append('\n');
        }
        List<DeadlockReport> cycles = kernel.deadlocks();
        out.append("== lockdep ==\n");
        if (cycles.isEmpty()) {
            out.append("no cycle\n");
        }
        cycles.forEach(cycle -> out.append(cycle.text()).append('\n'));
        String chain = CriticalChain.render(kernel.timings());
        out.append("== critical chain ==\n").append(chain.isEmpty() ? "no load\n" : chain);
        if (!chain.isEmpty() && !chain.endsWith("\n")) {
            out.append('\n');
        }
        return out.toString().stripTrailing();
    }
}
