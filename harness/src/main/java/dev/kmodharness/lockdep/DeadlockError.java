package dev.kmodharness.lockdep;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown at a caller that asked to fail on a deadlock ({@code Kernel.assertNoDeadlock()}): an
 * AssertionError, so a test framework reports it as a failed test, whose message is every
 * lockdep report the kernel printed, as dmesg has it.
 */
public final class DeadlockError extends AssertionError {

    private static final long serialVersionUID = 1L;

    /** The reports; kept as text-only records, they pin no module. */
    private final transient List<DeadlockReport> reports;

    public DeadlockError(List<DeadlockReport> reports) {
        super(reports.size() + (reports.size() == 1 ? " deadlock" : " deadlocks") + " found by lockdep:\n"
                + reports.stream().map(DeadlockReport::text).collect(Collectors.joining("\n")));
        this.reports = List.copyOf(reports);
    }

    /** The cycles, in the order lockdep found them. */
    public List<DeadlockReport> reports() {
        return reports;
    }
}
