package dev.kmodharness.time;

import java.util.List;

/**
 * jiffies at CONFIG_HZ (include/linux/jiffies.h, kernel/time/time.c): the tick count the
 * kernel's timeouts are counted in. Kernel time 0 (boot) is jiffies {@code INITIAL_JIFFIES},
 * {@code (unsigned long)(unsigned int)(-300 * HZ)}, as on a 64-bit kernel; a tick lasts
 * {@code TICK_NSEC}. Immutable.
 */
public final class Jiffies {

    /** The CONFIG_HZ choices of kernel/Kconfig.hz. */
    public static final List<Integer> HZ_CHOICES = List.of(100, 250, 300, 1000);
    /** CONFIG_HZ_250, the default of kernel/Kconfig.hz, which the seed's gaps show. */
    public static final int DEFAULT_HZ = 250;

    private final int hz;
    private final long tickNsec;
    private final long initial;

    /** @throws IllegalArgumentException for an HZ Kconfig.hz does not offer */
    public Jiffies(int hz) {
        if (!HZ_CHOICES.contains(hz)) {
            throw new IllegalArgumentException("CONFIG_HZ must be one of " + HZ_CHOICES + ": " + hz);
        }
        this.hz = hz;
        // TICK_NSEC: (NSEC_PER_SEC + HZ / 2) / HZ
        this.tickNsec = (1_000_000_000L + hz / 2) / hz;
        // INITIAL_JIFFIES: wraps 5 minutes after boot on 32-bit, as jiffies_64 starts there too
        this.initial = Integer.toUnsignedLong(-300 * hz);
    }

    public int hz() {
        return hz;
    }

    /** The jiffies count at kernel time {@code nanos}. */
    public long at(long nanos) {
        return initial + nanos / tickNsec;
    }

    /** The kernel time of the tick at which jiffies becomes {@code jiffies}. */
    public long nanosAt(long jiffies) {
        return (jiffies - initial) * tickNsec;
    }

    /** msecs_to_jiffies: rounds up, so a wait is never shorter than asked. */
    public long msecsToJiffies(long msecs) {
        return Math.max(0, (msecs * hz + 999) / 1000);
    }

    /** A timeout given in nanoseconds as whole jiffies, rounded up (30 s: 30 * HZ). */
    public long nsecsToJiffies(long nanos) {
        return Math.max(0, (long) Math.ceil(nanos * (double) hz / 1_000_000_000L - 1e-9));
    }
}
