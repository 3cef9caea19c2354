package dev.kmodharness.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * kernel/time/timer.c's calc_wheel_index and calc_index, and jiffies at CONFIG_HZ, checked
 * against numbers worked out by hand from the kernel's formulas.
 */
class TimerWheelTest {

    private static final Jiffies HZ250 = new Jiffies(250);

    @Test
    void jiffiesStartAtInitialJiffiesAndTickEveryTickNsec() {
        // INITIAL_JIFFIES = (unsigned long)(unsigned int)(-300 * HZ)
        assertEquals(4_294_967_296L - 75_000, HZ250.at(0));
        assertEquals(HZ250.at(0) + 1, HZ250.at(4_000_000));
        assertEquals(HZ250.at(0), HZ250.at(3_999_999));
        assertEquals(4_000_000, HZ250.nanosAt(HZ250.at(0) + 1));
        // TICK_NSEC at HZ=300 is rounded: 3,333,333 ns
        Jiffies hz300 = new Jiffies(300);
        assertEquals(3_333_333, hz300.nanosAt(hz300.at(0) + 1));
    }

    @Test
    void msecsToJiffiesRoundsUp() {
        assertEquals(309, HZ250.msecsToJiffies(1234));
        assertEquals(1, HZ250.msecsToJiffies(1));
        assertEquals(0, HZ250.msecsToJiffies(0));
        assertEquals(1, new Jiffies(1000).msecsToJiffies(1));
        assertEquals(1, new Jiffies(100).msecsToJiffies(10));
        assertEquals(2, new Jiffies(100).msecsToJiffies(11));
        assertEquals(7_500, HZ250.nsecsToJiffies(30_000_000_000L));
    }

    @Test
    void onlyTheKconfigChoicesOfHz() {
        assertEquals("CONFIG_HZ must be one of [100, 250, 300, 1000]: 200",
                assertThrows(IllegalArgumentException.class, () -> new Jiffies(200)).getMessage());
    }

    @Test
    void thirtySecondsAtHz250LandInLevel3AndFireOnThe512JiffyBoundary() {
        TimerWheel wheel = new TimerWheel(HZ250, true);
        // from a 512-jiffy boundary: 7,500 jiffies rounds up to 7,680 (30.72 s)
        long boundary = 8_388_608L * 512;
        assertEquals(boundary + 7_680, wheel.bucketExpiry(boundary + 7_500, boundary));
        assertEquals(30_720_000_000L, wheel.timeoutNanos(HZ250.nanosAt(boundary), 7_500));
        // from boot: INITIAL_JIFFIES is 264 past a boundary, so the first wait is 7,928 jiffies
        assertEquals(31_712_000_000L, wheel.expiryNanos(0, 7_500));
        // and the ones after it 30.72 s apart: the seed's gaps
        assertEquals(31_712_000_000L + 30_720_000_000L, wheel.expiryNanos(31_712_000_000L, 7_500));
    }

    @Test
    void eachLevelRoundsUpWithItsGranularity() {
        TimerWheel wheel = new TimerWheel(HZ250, true);
        long clk = 1L << 20;
        // level 0 (delta < 63): the next jiffy after expires
        assertEquals(clk + 11, wheel.bucketExpiry(clk + 10, clk));
        // level 1 (63 <= delta < 504): granularity 8
        assertEquals(clk + 64, wheel.bucketExpiry(clk + 63, clk));
        assertEquals(clk + 504, wheel.bucketExpiry(clk + 503, clk));
        // level 2 (504 <= delta < 4,032): granularity 64; 5 s is 1,250 jiffies
        assertEquals(clk + 1_280, wheel.bucketExpiry(clk + 1_250, clk));
        // level 3 (4,032 <= delta < 32,256): granularity 512
        assertEquals(clk + 4_096, wheel.bucketExpiry(clk + 4_032, clk));
        // level 4: granularity 4,096
        assertEquals(clk + 32_768, wheel.bucketExpiry(clk + 32_256, clk));
        // an expiry already past fires at the base's clock
        assertEquals(clk, wheel.bucketExpiry(clk - 5, clk));
    }

    @Test
    void theOldAndTheSimplifiedCalcIndexAgree() {
        // a2026e44eff5 rewrote (expires + LVL_GRAN) >> LVL_SHIFT as (expires >> LVL_SHIFT) + 1
        TimerWheel before = new TimerWheel(HZ250, false);
        TimerWheel after = new TimerWheel(HZ250, true);
        long clk = HZ250.at(0);
        for (long delta = 0; delta < 300_000; delta += 7) {
            assertEquals(before.bucketExpiry(clk + delta, clk), after.bucketExpiry(clk + delta, clk), "delta " + delta);
        }
    }

    @Test
    void hz100HasEightLevelsAndCapsTheLongestTimeouts() {
        TimerWheel wheel = new TimerWheel(new Jiffies(100), true);
        long clk = 0;
        // WHEEL_TIMEOUT_CUTOFF = LVL_START(8) = 63 << 21; WHEEL_TIMEOUT_MAX = cutoff - LVL_GRAN(7)
        long cutoff = 63L << 21;
        long max = cutoff - (1L << 21);
        long capped = ((max >>> 21) + 1) << 21;
        assertEquals(capped, wheel.bucketExpiry(cutoff * 4, clk));
    }
}
