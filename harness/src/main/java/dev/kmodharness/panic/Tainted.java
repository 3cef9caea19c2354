package dev.kmodharness.panic;

/**
 * The kernel's taint mask (kernel/panic.c: tainted_mask, add_taint, print_tainted), for the
 * flags the harness sets: P (TAINT_PROPRIETARY_MODULE, module_license_taint_check), D
 * (TAINT_DIE, oops_end), W (TAINT_WARN, __warn) and L (TAINT_SOFTLOCKUP, watchdog_timer_fn). Its own monitor guards the mask; never
 * blocks, so it may be used with the kernel lock held.
 */
public final class Tainted {

    /** TAINT_PROPRIETARY_MODULE, bit 0. */
    public static final int PROPRIETARY_MODULE = 0;
    /** TAINT_DIE, bit 7. */
    public static final int DIE = 7;
    /** TAINT_WARN, bit 9. */
    public static final int WARN = 9;
    /** TAINT_SOFTLOCKUP, bit 14. */
    public static final int SOFTLOCKUP = 14;

    /**
     * taint_flags[] of kernel/panic.c in the release in force: the character of each bit when
     * set; when clear, a space, but 'G' for bit 0.
     */
    private final String flags;

    /** Guarded by this. */
    private long mask;

    /** @param flags taint_flags[]' letters, {@link dev.kmodharness.release.Release#taintFlags} */
    public Tainted(String flags) {
        this.flags = flags;
    }

    /** add_taint(flag). */
    public synchronized void add(int flag) {
        mask |= 1L << flag;
    }

    /** test_taint(flag). */
    public synchronized boolean test(int flag) {
        return (mask & (1L << flag)) != 0;
    }

    /** /proc/sys/kernel/tainted: the mask as a number. */
    public synchronized long mask() {
        return mask;
    }

    /**
     * print_tainted(): {@code Not tainted}, or {@code Tainted: } and one character per flag,
     * {@code G} or {@code P} first, a space for each clear flag after it (so
     * {@code Tainted: G      D           } after an oops on 6.12, one space fewer on 5.15).
     */
    public synchronized String print() {
        if (mask == 0) {
            return "Not tainted";
        }
        StringBuilder s = new StringBuilder("Tainted: ");
        for (int bit = 0; bit < flags.length(); bit++) {
            boolean set = (mask & (1L << bit)) != 0;
            s.append(set ? flags.charAt(bit) : bit == 0 ? 'G' : ' ');
        }
        return s.toString();
    }
}
