package dev.kmodharness.cli;

import dev.kmodharness.Kernel;
import dev.kmodharness.report.Blame;
import dev.kmodharness.report.ChromeTrace;
import dev.kmodharness.report.CriticalChain;
import dev.kmodharness.report.Initcalls;
import dev.kmodharness.report.SvgPlot;
import dev.kmodharness.symbols.ModuleImage;
import dev.kmodharness.timing.InitRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The report options every command that boots a kernel shares: {@code --report}, {@code --trace}
 * and {@code --plot}, over the boot's init records ({@link Kernel#timings()}). The command calls
 * {@link #report} once its own output is printed.
 */
final class ReportOptions {

    /** A report printed to standard output. */
    enum Report {
        BLAME("blame"), CHAIN("critical chain"), INITCALLS("initcalls");

        final String heading;

        Report(String heading) {
            this.heading = heading;
        }
    }

    /** {@code blame}, {@code chain} or {@code initcalls}. */
    static final class ReportConverter implements ITypeConverter<Report> {
        @Override
        public Report convert(String value) {
            return switch (value) {
                case "blame" -> Report.BLAME;
                case "chain" -> Report.CHAIN;
                case "initcalls" -> Report.INITCALLS;
                default -> throw new TypeConversionException("'" + value + "' is not blame, chain or initcalls");
            };
        }
    }

    @Option(names = "--report", paramLabel = "blame|chain|initcalls", converter = ReportConverter.class,
            description = "After the output, print a report of the module inits (repeatable, in order): blame, init "
                    + "times longest first; chain, the critical chain of loads, requests and waits; initcalls, "
                    + "initcall_debug's lines.")
    List<Report> reports = new ArrayList<>();

    @Option(names = "--trace", paramLabel = "FILE",
            description = "Write the loads, inits, waits and request_module calls as Chrome Trace Event JSON "
                    + "(Perfetto, chrome://tracing).")
    Path trace;

    @Option(names = "--plot", paramLabel = "FILE.svg",
            description = "Write an SVG timeline of the loads, inits and waits.")
    Path plot;

    /**
     * Prints the reports asked for to {@code out}, each under a heading line, then writes the
     * trace and the plot. Takes the records now: call it before the kernel closes.
     *
     * @throws IllegalArgumentException when a file cannot be written, with a one-line message
     */
    void report(Kernel kernel, PrintWriter out) {
        if (reports.isEmpty() && trace == null && plot == null) {
            return;
        }
        List<InitRecord> records = kernel.timings();
        for (Report report : reports) {
            out.println();
            out.println("== " + report.heading + " ==");
            out.print(switch (report) {
                case BLAME -> Blame.render(records);
                case CHAIN -> CriticalChain.render(records);
                case INITCALLS -> Initcalls.render(records,
                        module -> kernel.depmod().find(module).map(ModuleImage::initClass));
            });
        }
        out.flush();
        if (trace != null) {
            write("--trace", trace, ChromeTrace.render(records));
        }
        if (plot != null) {
            write("--plot", plot, SvgPlot.render(records));
        }
    }

    /** {@link #report(Kernel, PrintWriter)}, then the command's exit status, unchanged. */
    int report(Kernel kernel, PrintWriter out, int status) {
        report(kernel, out);
        return status;
    }

    private static void write(String option, Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + file + ": " + reason(e));
        }
    }

    /** What went wrong, as strerror would say it. */
    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            String reason = f.getReason();
            return reason.isEmpty() ? "cannot write" : reason.substring(0, 1).toUpperCase(Locale.ROOT) + reason.substring(1);
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
