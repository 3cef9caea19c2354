package dev.kmodharness.shell;

import dev.kmodharness.Kernel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

/** Runs a script on a kernel and keeps what it printed. */
final class ShellRun {

    /** The exit status and the two streams' text. */
    record Result(int status, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private ShellRun() {
    }

    static Result run(Kernel kernel, Path workDir, String... lines) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = new Shell(kernel, new PrintWriter(out), new PrintWriter(err), workDir).run(List.of(lines));
        return new Result(status, out.toString(), err.toString());
    }
}
