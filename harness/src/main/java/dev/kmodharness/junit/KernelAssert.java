package dev.kmodharness.junit;

import dev.kmodharness.Kernel;
import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.kmod.Strerror;
import dev.kmodharness.lockdep.DeadlockReport;
import dev.kmodharness.log.Dmesg;
import java.util.List;
import java.util.stream.Collectors;
import org.opentest4j.AssertionFailedError;

/** Assertions on one kernel; see {@link KernelAssertions}. */
public final class KernelAssert {

    /** How many of the last dmesg lines a failure message shows. */
    static final int DMESG_TAIL = 60;

    private final Kernel kernel;

    KernelAssert(Kernel kernel) {
        this.kernel = kernel;
    }

    /** Assertions on module {@code name} (built-ins included), as /sys/module/NAME shows it. */
    public ModuleAssert module(String name) {
        return new ModuleAssert(kernel, name.replace('-', '_'));
    }

    /** Assertions on dmesg, each line matched without its stamp. */
    public DmesgAssert dmesg() {
        return new DmesgAssert(kernel);
    }

    /** Assertions on a modprobe's outcome, with this kernel's dmesg in the message. */
    public CommandAssert command(Modprobe.Result result) {
        return new CommandAssert(kernel, result);
    }

    /** Assertions on what a call returned: 0 or a negative errno (insmod, rmmod, request_module). */
    public ErrnoAssert returned(int ret) {
        return new ErrnoAssert(kernel, ret);
    }

    /** Nothing left to do: {@link Kernel#awaitIdle()} returns true (it waits for the kernel to settle). */
    public KernelAssert isIdle() {
        if (!kernel.awaitIdle()) {
            throw failure("expected the kernel to go idle, but it is hung for good: every task waits with no timeout",
                    kernel);
        }
        return this;
    }

    /** Hung for good: {@link Kernel#awaitIdle()} returns false. */
    public KernelAssert isHung() {
        if (kernel.awaitIdle()) {
            throw failure("expected the kernel to hang for good, but it went idle", kernel);
        }
        return this;
    }

    /** Lockdep found no cycle. */
    public KernelAssert hasNoDeadlock() {
        List<DeadlockReport> cycles = kernel.deadlocks();
        if (!cycles.isEmpty()) {
            throw failure("expected no cycle, but lockdep found: "
                    + cycles.stream().map(DeadlockReport::chain).collect(Collectors.joining("; ")), kernel);
        }
        return this;
    }

    /** Lockdep found a cycle with this chain ({@link DeadlockReport#chain()}), e.g. "a init -> request_module(b) -> ...". */
    public KernelAssert hasDeadlock(String chain) {
        List<String> chains = kernel.deadlocks().stream().map(DeadlockReport::chain).toList();
        if (!chains.contains(chain)) {
            throw new AssertionFailedError("expected lockdep to report the cycle " + chain + ", but it reported "
                    + (chains.isEmpty() ? "none" : chains) + dmesgTail(kernel), chain, String.join("; ", chains));
        }
        return this;
    }

    /** Kernel time now is exactly {@code seconds} after boot (to the microsecond). */
    public KernelAssert isAt(double seconds) {
        KernelAssertions.KernelTime at = KernelAssertions.at(seconds);
        if (!at.contains(kernel.now())) {
            throw new AssertionFailedError("expected kernel time " + at + ", but it is "
                    + Dmesg.seconds(kernel.now()) + " s" + dmesgTail(kernel),
                    Dmesg.seconds(at.fromNanos()), Dmesg.seconds(kernel.now()));
        }
        return this;
    }

    /** The assertions' failure: the message, then the last lines of dmesg. */
    static AssertionFailedError failure(String message, Kernel kernel) {
        return new AssertionFailedError(message + dmesgTail(kernel));
    }

    /** "\n== dmesg ==\n" and the buffer's last {@link #DMESG_TAIL} lines (or "(empty)"). */
    static String dmesgTail(Kernel kernel) {
        if (kernel == null) {
            return "";
        }
        List<String> lines = kernel.dmesg();
        return dmesgSection(lines.subList(Math.max(0, lines.size() - DMESG_TAIL), lines.size()),
                lines.size() > DMESG_TAIL ? "last " + DMESG_TAIL + " of " + lines.size() + " lines" : null);
    }

    static String dmesgSection(List<String> lines, String note) {
        return "\n== dmesg" + (note == null ? "" : " (" + note + ")") + " ==\n"
                + (lines.isEmpty() ? "(empty)" : String.join("\n", lines));
    }

    /** An errno as the kernel's tools name it: "-16 (Device or resource busy)". */
    static String errno(int ret) {
        return ret == 0 ? "0" : ret + " (" + Strerror.of(ret) + ")";
    }
}
