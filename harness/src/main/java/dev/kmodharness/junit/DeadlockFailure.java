package dev.kmodharness.junit;

import dev.kmodharness.lockdep.DeadlockReport;
import java.util.List;
import java.util.stream.Collectors;
import org.opentest4j.AssertionFailedError;

/**
 * How a {@link KernelTest} under {@link KernelTest.Deadlock#FAIL_TEST} fails: the kernel's
 * lockdep closed a cycle while the test ran. The message is the chain of each cycle, then its
 * report as dmesg printed it.
 */
public final class DeadlockFailure extends AssertionFailedError {

    private static final long serialVersionUID = 1L;

    DeadlockFailure(List<DeadlockReport> cycles) {
        super(message(cycles));
    }

    private static String message(List<DeadlockReport> cycles) {
        return "lockdep: " + (cycles.size() == 1 ? "a cycle" : cycles.size() + " cycles")
                + " closed while the test ran: "
                + cycles.stream().map(DeadlockReport::chain).collect(Collectors.joining("; ")) + "\n"
                + cycles.stream().map(DeadlockReport::text).collect(Collectors.joining("\n"));
    }
}
