package dev.kmodharness.explore;

import dev.kmodharness.Kernel;
import dev.kmodharness.shell.Script;
import dev.kmodharness.shell.Shell;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * What runs under each schedule: on a freshly booted kernel, as one of its tasks, writing what
 * a user would see to {@code out} and {@code err}; returns an exit status. Its concurrency is
 * the kernel's tasks ({@link Kernel#exec}, a shell's {@code &} lines, request_module workers).
 */
@FunctionalInterface
public interface Scenario {

    int run(Kernel kernel, PrintWriter out, PrintWriter err);

    /** A root shell's script, as {@code kmod-harness run} runs it ({@link Shell}). */
    static Scenario script(Script script, Path workDir) {
        return (kernel, out, err) -> new Shell(kernel, out, err, workDir).run(script);
    }
}
