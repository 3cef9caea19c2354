package dev.kmodharness.cli;

import dev.kmodharness.Kernel;
import dev.kmodharness.shell.Script;
import dev.kmodharness.shell.ScriptException;
import dev.kmodharness.shell.Shell;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code run --modules DIR SCRIPT}: validates SCRIPT, boots a fresh kernel on DIR and runs the
 * script on it as a root shell would (see {@link Shell}).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {
            "Boot a kernel on a modules directory and run a root shell's SCRIPT on it.",
            "One command a line: modprobe [-r] NAME [param=value]..., insmod PATH [param=value]..., rmmod NAME..., "
                    + "lsmod, dmesg, cat /proc/modules, cat /sys/module/NAME/initstate, cat /sys/module/NAME/refcnt, "
                    + "sleep SECONDS (kernel time), wait; a trailing & runs the line in the background; # starts a "
                    + "comment. Output and errors in the real tools' words.",
            "Exit 0 when every line succeeded, 1 when one failed or the kernel hung (then dmesg and lsmod follow), "
                    + "2 for a malformed script (then nothing runs)."})
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--modules", paramLabel = "DIR", required = true,
            description = "The modules directory (like /lib/modules/VERSION).")
    Path modules;

    @Mixin
    KernelOptions kernelOptions;

    @Mixin
    ReportOptions reportOptions;

    @Parameters(index = "0", paramLabel = "SCRIPT", description = "The script file; - reads standard input.")
    String script;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Script parsed = parse(script, err);
        if (parsed == null) {
            return Shell.MALFORMED;
        }
        try (Kernel kernel = kernelOptions.boot(modules, err); Sigint sigint = new Sigint(kernel, out)) {
            kernel.depmod().warnings().forEach(err::println);
            err.flush();
            // The shell runs as a task of its own, so that this thread can stop waiting when a
            // line gets stuck in module code or the kernel hangs for good.
            AtomicInteger status = new AtomicInteger(Shell.FAILURE);
            Gate shellOut = new Gate(out);
            Gate shellErr = new Gate(err);
            kernel.exec("sh", () -> status.set(new Shell(kernel, new PrintWriter(shellOut), new PrintWriter(shellErr))
                    .run(parsed)));
            if (!kernel.awaitIdle()) {
                // The stuck shell may go on once the kernel closes and interrupts it: it speaks no more.
                shellOut.shut();
                shellErr.shut();
                ModprobeCommand.hung(kernel, err);
                ModprobeCommand.print(kernel, out);
                return reportOptions.report(kernel, out, 1);
            }
            return reportOptions.report(kernel, out, status.get());
        }
    }

    /**
     * The shell's view of a stream: writes through, each flushed at once, until {@link #shut}.
     * Guarded by this.
     */
    private static final class Gate extends java.io.Writer {
        private final PrintWriter target;
        private boolean open = true;

        Gate(PrintWriter target) {
            this.target = target;
        }

        synchronized void shut() {
            open = false;
        }

        @Override
        public synchronized void write(char[] chars, int off, int len) {
            if (open) {
                target.write(chars, off, len);
            }
        }

        @Override
        public synchronized void flush() {
            if (open) {
                target.flush();
            }
        }

        @Override
        public void close() {
            flush();
        }
    }

    /** The script parsed; null, after printing {@code kmod-harness: <why>} on {@code err}, when it is malformed. */
    static Script parse(String script, PrintWriter err) throws IOException {
        try {
            return Script.parse(read(script));
        } catch (ScriptException e) {
            err.println("kmod-harness: " + e.getMessage());
            return null;
        }
    }

    /** The script's lines: from the file, or all of standard input for {@code -}. */
    static List<String> read(String script) throws IOException {
        byte[] bytes;
        if (script.equals("-")) {
            bytes = System.in.readAllBytes(); // blocks until standard input ends; System.in stays open
        } else {
            try {
                bytes = Files.readAllBytes(Path.of(script));
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException(script + ": No such file or directory");
            }
        }
        return new String(bytes, StandardCharsets.UTF_8).lines().toList();
    }
}
