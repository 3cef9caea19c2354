package dev.kmodharness.time;

/**
 * The timer wheel of kernel/time/timer.c as it decides when a timeout fires: schedule_timeout
 * arms a timer {@code timeout} jiffies ahead, and calc_wheel_index puts it in the level its
 * delay falls in, rounding the expiry up to that level's granularity (calc_index). At HZ=250 a
 * 30 s wait (7,500 jiffies) lands in level 3, granularity 512 jiffies, and fires on the next
 * 512-jiffy boundary after its expiry: 7,680 jiffies, 30.72 s, after the previous one. Immutable.
 *
 * <p>Differs from the kernel: base->clk is taken to be jiffies when the timer is armed (the
 * kernel forwards an idle base to jiffies, and a base that just ran its timers is one ahead,
 * which moves only a delay on a level's very edge); the woken task runs at the tick itself.
 */
public final class TimerWheel {

    private static final int LVL_CLK_SHIFT = 3;
    private static final int LVL_BITS = 6;
    private static final long LVL_SIZE = 1L << LVL_BITS;

    private final Jiffies jiffies;
    private final boolean simplifiedCalcIndex;
    private final int depth;

    /**
     * @param simplifiedCalcIndex calc_index as written since a2026e44eff5 (v5.19),
     *     {@code (expires >> shift) + 1}; false for the older {@code (expires + gran) >> shift}
     */
    public TimerWheel(Jiffies jiffies, boolean simplifiedCalcIndex) {
        this.jiffies = jiffies;
        this.simplifiedCalcIndex = simplifiedCalcIndex;
        // LVL_DEPTH: 9 levels above HZ=100, else 8
        this.depth = jiffies.hz() > 100 ? 9 : 8;
    }

    public Jiffies jiffies() {
        return jiffies;
    }

    private static int lvlShift(int n) {
        return n * LVL_CLK_SHIFT;
    }

    private static long lvlGran(int n) {
        return 1L << lvlShift(n);
    }

    /** LVL_START: the first delay of level n (the last of level n-1, see calc_index). */
    private static long lvlStart(int n) {
        return (LVL_SIZE - 1) << ((n - 1) * LVL_CLK_SHIFT);
    }

    /** calc_index's bucket_expiry: {@code expires} rounded up with level {@code lvl}'s granularity. */
    long calcIndex(long expires, int lvl) {
        long e = simplifiedCalcIndex ? (expires >>> lvlShift(lvl)) + 1 : (expires + lvlGran(lvl)) >>> lvlShift(lvl);
        return e << lvlShift(lvl);
    }

    /** calc_wheel_index's bucket_expiry: the jiffy at which a timer for {@code expires} fires. */
    public long bucketExpiry(long expires, long clk) {
        long delta = expires - clk;
        if (delta < 0) {
            return clk;
        }
        for (int lvl = 0; lvl < depth - 1; lvl++) {
            if (delta < lvlStart(lvl + 1)) {
                return calcIndex(expires, lvl);
            }
        }
        long cutoff = lvlStart(depth);
        if (delta >= cutoff) {
            // WHEEL_TIMEOUT_MAX: obscenely long timeouts expire at the wheel's capacity
            expires = clk + cutoff - lvlGran(depth - 1);
        }
        return calcIndex(expires, depth - 1);
    }

    /**
     * schedule_timeout from kernel time {@code nowNanos}: the kernel time at which a task that
     * sleeps {@code timeoutJiffies} is woken by its timer.
     */
    public long expiryNanos(long nowNanos, long timeoutJiffies) {
        long now = jiffies.at(nowNanos);
        return jiffies.nanosAt(bucketExpiry(now + timeoutJiffies, now));
    }

    /** The same as a timeout from {@code nowNanos}, for {@link Scheduler#waitEvent}. */
    public long timeoutNanos(long nowNanos, long timeoutJiffies) {
        return expiryNanos(nowNanos, timeoutJiffies) - nowNanos;
    }
}
