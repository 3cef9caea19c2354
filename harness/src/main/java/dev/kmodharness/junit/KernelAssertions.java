package dev.kmodharness.junit;

import dev.kmodharness.Kernel;
import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.log.Dmesg;

/**
 * Assertions that read like the kernel, one static entry point:
 *
 * <pre>{@code
 * import static dev.kmodharness.junit.KernelAssertions.assertThat;
 * import static dev.kmodharness.junit.KernelAssertions.at;
 *
 * assertThat(kernel).module("i915").isLive().hasHolders("kvmgt").hasRefcnt(1);
 * assertThat(kernel).module("kvmgt").isNotLoaded();
 * assertThat(kernel).dmesg().containsLine("kvmgt: Unknown symbol intel_ring_begin (err -16)", at(60));
 * assertThat(kernel).command(kernel.modprobe("kvmgt")).succeeded();
 * assertThat(kernel).returned(kernel.rmmod("i915")).isErrno(-EWOULDBLOCK);
 * }</pre>
 *
 * dmesg lines are matched on their text, without the {@code [%5d.%06d]} stamp; where the time
 * matters, {@link #at} and {@link #within} bound it in kernel time. A failed assertion is an
 * opentest4j {@code AssertionFailedError} whose message ends with the dmesg that matters: the
 * module's lines for a module, the whole buffer (its last lines) for dmesg and commands.
 */
public final class KernelAssertions {

    private KernelAssertions() {
    }

    /** Assertions on a kernel: its modules, dmesg, lockdep and clock. */
    public static KernelAssert assertThat(Kernel kernel) {
        return new KernelAssert(kernel);
    }

    /** Assertions on a modprobe's outcome alone (no kernel, so no dmesg in the message). */
    public static CommandAssert assertThat(Modprobe.Result result) {
        return new CommandAssert(null, result);
    }

    /** A dmesg line stamped exactly {@code seconds} of kernel time after boot. */
    public static KernelTime at(double seconds) {
        return within(seconds, seconds);
    }

    /** A dmesg line stamped between {@code fromSeconds} and {@code toSeconds} of kernel time, both included. */
    public static KernelTime within(double fromSeconds, double toSeconds) {
        return new KernelTime(Math.round(fromSeconds * 1e9), Math.round(toSeconds * 1e9));
    }

    /**
     * A window of kernel time, in nanoseconds since boot, both ends included, compared at the
     * microsecond dmesg prints.
     */
    public record KernelTime(long fromNanos, long toNanos) {

        public KernelTime {
            if (toNanos < fromNanos) {
                throw new IllegalArgumentException("empty window: " + fromNanos + " ns > " + toNanos + " ns");
            }
        }

        boolean contains(long nanos) {
            long us = nanos / 1_000;
            return us >= fromNanos / 1_000 && us <= toNanos / 1_000;
        }

        @Override
        public String toString() {
            return fromNanos == toNanos ? "at " + Dmesg.seconds(fromNanos) + " s"
                    : "within " + Dmesg.seconds(fromNanos) + " s and " + Dmesg.seconds(toNanos) + " s";
        }
    }
}
