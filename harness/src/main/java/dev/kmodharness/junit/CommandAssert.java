package dev.kmodharness.junit;

import dev.kmodharness.Kernel;
import dev.kmodharness.kmod.Modprobe;
import org.opentest4j.AssertionFailedError;

/** Assertions on a modprobe's outcome: its exit status and what it printed on stderr. */
public final class CommandAssert {

    private final Kernel kernel;
    private final Modprobe.Result result;

    CommandAssert(Kernel kernel, Modprobe.Result result) {
        this.kernel = kernel;
        this.result = result;
    }

    /** Exit status 0. */
    public CommandAssert succeeded() {
        return exitsWith(0);
    }

    /** A non-zero exit status. */
    public CommandAssert failed() {
        if (result.status() == 0) {
            throw new AssertionFailedError("expected modprobe to fail, but it exited 0" + KernelAssert.dmesgTail(kernel));
        }
        return this;
    }

    /** This exit status. */
    public CommandAssert exitsWith(int status) {
        if (result.status() != status) {
            throw new AssertionFailedError("expected modprobe to exit " + status + ", but it exited " + result.status()
                    + stderr() + KernelAssert.dmesgTail(kernel), status, result.status());
        }
        return this;
    }

    /** It printed exactly this line on stderr (among others). */
    public CommandAssert printed(String line) {
        if (!result.errors().contains(line)) {
            throw new AssertionFailedError("expected modprobe to print \"" + line + "\"" + stderr()
                    + KernelAssert.dmesgTail(kernel), line, String.join("\n", result.errors()));
        }
        return this;
    }

    private String stderr() {
        return "\n== stderr ==\n" + (result.errors().isEmpty() ? "(nothing)" : String.join("\n", result.errors()));
    }
}
