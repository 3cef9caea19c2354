package dev.kmodharness.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line: {@code java -jar kmod-harness.jar COMMAND}. */
@Command(name = "kmod-harness", mixinStandardHelpOptions = true, version = "kmod-harness 0.1.0",
        description = "Linux kernel module loading, reproduced on the JVM with real class loading.",
        subcommands = {ReproduceCommand.class, ModprobeCommand.class, CheckCommand.class, BenchCommand.class,
                RunCommand.class, GenerateCommand.class, ExploreCommand.class})
public final class Main {

    /** Exit status for a usage error, as picocli and modprobe use it. */
    static final int USAGE = 2;

    public static void main(String[] args) {
        // The streams as they are at start: module code gets System.out and System.err
        // wrappers that it may close without silencing the command line.
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        System.setOut(new PrintStream(new Unclosable(stdout), true));
        System.setErr(new PrintStream(new Unclosable(stderr), true));
        System.exit(run(new PrintWriter(stdout, true), new PrintWriter(stderr, true), args));
    }

    /** A stream whose close only flushes: what module code sees as System.out and System.err. */
    private static final class Unclosable extends FilterOutputStream {
        Unclosable(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    /** Runs the command line with the given streams; returns the exit status. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        // A usage error is one line (and where to look), not the whole usage text.
        cli.setParameterExceptionHandler((e, args1) -> {
            PrintWriter errors = e.getCommandLine().getErr();
            errors.println("kmod-harness: " + e.getMessage() + " (see: " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return USAGE;
        });
        // An expected failure is one line, never a stack trace.
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof dev.kmodharness.panic.KernelPanicException) {
                commandLine.getErr().println(e.getMessage()); // a kernel that panicked: its line, exit 1
                return 1;
            }
            if (e.getCause() instanceof dev.kmodharness.kmod.ModulesDirectoryException depmod) {
                commandLine.getErr().println(depmod.getMessage()); // depmod's own line; a usage error
                return USAGE;
            }
            commandLine.getErr().println("kmod-harness: " + e.getMessage());
            return USAGE;
        });
        int status = cli.execute(args);
        out.flush();
        err.flush();
        return status;
    }
}
