package dev.kmodharness.scenarios;

import static dev.kmodharness.scenarios.Sets.GAVE_UP;
import static dev.kmodharness.scenarios.Sets.SEED_SYMBOLS;
import static dev.kmodharness.scenarios.Sets.FIRST_WAIT;
import static dev.kmodharness.scenarios.Sets.SYMBOL_TIMEOUT;
import static dev.kmodharness.scenarios.Sets.WHEEL_GAP;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.module.ModuleState;
import dev.kmodharness.time.ClockMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * The LKML thread's hang on the real gvt-request JARs: {@code modprobe i915 enable_gvt=1}; i915's
 * init requests kvmgt while i915 is COMING, kvmgt waits 30 s for each of its four i915 symbols and
 * fails with -EBUSY, then i915 goes LIVE without kvmgt.
 */
class SeedHangTest {

    /** The dmesg of the first repetition, byte for byte; every later repetition must match it. */
    private static byte[] firstDmesg;

    /** The issue asks for the seed test to pass 50 times in a row in one run. */
    @RepeatedTest(50)
    void reproducesTheSeedExactlyUnderTheVirtualClock(RepetitionInfo repetition) throws Exception {
        try (Kernel kernel = Kernel.builder().modules(Sets.gvtRequest()).build()) {
            assertEquals(ClockMode.VIRTUAL, kernel.clock());
            long start = kernel.now();
            assertEquals(0, start, "the virtual clock starts at 0");

            Modprobe.Result result = kernel.modprobe("i915", "enable_gvt=1");
            // modprobe returns once i915's init has returned: i915 is LIVE from here on
            long liveAt = kernel.now();
            assertEquals(0, result.status(), () -> "modprobe i915: " + result);
            assertEquals(Optional.of(ModuleState.LIVE), kernel.state("i915"));
            assertTrue(liveAt >= 4 * SYMBOL_TIMEOUT, () -> "i915 went LIVE at " + liveAt + " ns, before 120 s");

            kernel.awaitIdle();
            assertTrue(kernel.now() >= 4 * SYMBOL_TIMEOUT, () -> "kernel time after awaitIdle: " + kernel.now());
            assertSeedHang(kernel, start, 0);
            // the virtual clock is exact: i915 went LIVE the moment kvmgt gave up on its last symbol
            assertEquals(start + FIRST_WAIT + 3 * WHEEL_GAP, liveAt);

            byte[] dmesg = String.join("\n", kernel.dmesg()).getBytes(UTF_8);
            if (repetition.getCurrentRepetition() == 1 || firstDmesg == null) {
                firstDmesg = dmesg;
            } else {
                assertEquals(new String(firstDmesg, UTF_8), new String(dmesg, UTF_8),
                        () -> "dmesg differs from the first repetition's, " + firstDifference(
                                new String(firstDmesg, UTF_8).lines().toList(), kernel.dmesg()));
                assertTrue(Arrays.equals(firstDmesg, dmesg));
            }
        }
    }

    /**
     * The same hang on the real (scaled) clock, watched while it happens: i915 stays COMING while
     * kvmgt waits, then goes LIVE. 120 kernel seconds at 1/120 take 1 s of real time.
     *
     * <p>The scale bounds what "30 s apart within 1 s of kernel time" allows in real time: at
     * 1/120 a wake-up may be 8 ms late. At 1/600 (1.7 ms) this test failed 3 runs in 20 on an
     * idle 2-core machine, from ordinary JVM and scheduler jitter.
     */
    @Test
    void reproducesTheSeedUnderTheRealClock() throws Exception {
        // Warm-up on the virtual clock: the first run in a JVM loads and interprets the whole load
        // path, which costs milliseconds of real time, so up to seconds of scaled kernel time
        // (measured: 2 to 5 s between the first pair's two lines at 1/600). The real run below is
        // then stamped by the harness's waits, not by the JVM warming up.
        for (int i = 0; i < 3; i++) {
            try (Kernel warm = Kernel.builder().modules(Sets.gvtRequest()).build()) {
                warm.modprobe("i915", "enable_gvt=1");
                warm.awaitIdle();
            }
        }
        ExecutorService modprobeThread = Executors.newSingleThreadExecutor();
        try (Kernel kernel = Kernel.builder().modules(Sets.gvtRequest())
                .clock(ClockMode.REAL).timeScale(1.0 / 120).build()) {
            assertEquals(ClockMode.REAL, kernel.clock());
            long[] start = new long[1];
            Future<Modprobe.Result> modprobe = modprobeThread.submit(() -> {
                start[0] = kernel.now();
                return kernel.modprobe("i915", "enable_gvt=1");
            });

            // the hang in progress: i915 is COMING while kvmgt gives up on its symbols one by one
            await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                    .until(() -> kernel.state("i915").equals(Optional.of(ModuleState.COMING))
                            && kernel.dmesgRecords().stream().anyMatch(r -> r.text().equals(GAVE_UP)));

            await().atMost(Duration.ofSeconds(30)).until(modprobe::isDone);
            Modprobe.Result result = modprobe.get();
            long liveAt = kernel.now();
            assertEquals(0, result.status(), () -> "modprobe i915: " + result);
            assertEquals(Optional.of(ModuleState.LIVE), kernel.state("i915"));

            kernel.awaitIdle();
            // On the real clock kernel time is wall time (x120): never early, but how late is the
            // machine's business. The bound only says no pair came a whole timeout late.
            assertSeedHang(kernel, start[0], SYMBOL_TIMEOUT);
            assertTrue(liveAt >= 4 * SYMBOL_TIMEOUT, () -> "i915 went LIVE at " + liveAt + " ns, before 120 s");
            assertTrue(kernel.now() >= 4 * SYMBOL_TIMEOUT, () -> "kernel time after awaitIdle: " + kernel.now());
        } finally {
            modprobeThread.shutdownNow();
        }
    }

    private static String firstDifference(List<String> first, List<String> now) {
        for (int i = 0; i < Math.min(first.size(), now.size()); i++) {
            if (!first.get(i).equals(now.get(i))) {
                return "from line " + (i + 1) + ": '" + first.get(i) + "' then, '" + now.get(i) + "' now";
            }
        }
        return "first " + first.size() + " lines, now " + now.size();
    }

    /**
     * dmesg holds the seed's four pairs in the seed's order and nothing else of their kind, each
     * pair's lines adjacent; each pair is printed at least 30 s of kernel time after the previous
     * one, late by at most {@code tolerance} ns; under the virtual clock ({@code tolerance} 0)
     * exactly as the timer wheel ends the waits, 31.712 s after {@code start} and then 30.72 s
     * apart; kvmgt is not loaded
     * and i915 is LIVE.
     */
    static void assertSeedHang(Kernel kernel, long start, long tolerance) {
        List<Dmesg.Record> all = kernel.dmesgRecords();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            String text = all.get(i).text();
            if (text.contains("gave up waiting") || text.contains("Unknown symbol")) {
                at.add(i);
            }
        }
        List<Dmesg.Record> waits = at.stream().map(all::get).toList();
        assertEquals(Sets.seedPairs(), Sets.texts(waits), () -> "dmesg:\n" + String.join("\n", kernel.dmesg()));

        long previous = start;
        for (int i = 0; i < SEED_SYMBOLS.size(); i++) {
            Dmesg.Record gaveUp = waits.get(2 * i);
            Dmesg.Record unknown = waits.get(2 * i + 1);
            String where = "pair " + (i + 1) + " (" + SEED_SYMBOLS.get(i) + ") at " + gaveUp + ", previous at "
                    + Dmesg.format(previous, "") + ": ";
            assertEquals(at.get(2 * i) + 1, at.get(2 * i + 1), where + "its two lines are not adjacent");
            assertTrue(unknown.text().endsWith("(err -16)"), where + unknown.text());

            // each wait is at least 30 s from its start, and starts after the previous pair was
            // printed; the timer wheel ends it on the next 512-jiffy boundary after 30 s
            long gap = gaveUp.nanos() - previous;
            assertTrue(gap >= SYMBOL_TIMEOUT, where + "gap " + gap + " ns");
            if (tolerance == 0) {
                assertEquals(i == 0 ? FIRST_WAIT : WHEEL_GAP, gap, where + "gap " + gap + " ns");
            } else if (i > 0) {
                // the first wait starts once modprobe has read and linked the JARs: real time, on
                // the real clock; from one pair to the next there is only the next symbol's lookup
                assertTrue(gap - SYMBOL_TIMEOUT <= tolerance, where + "gap " + gap + " ns");
            }
            long apart = unknown.nanos() - gaveUp.nanos();
            assertTrue(apart >= 0 && apart <= tolerance, where + "its two lines " + apart + " ns apart");
            previous = gaveUp.nanos();
        }
        long last = waits.get(waits.size() - 1).nanos();
        assertTrue(last >= start + 4 * SYMBOL_TIMEOUT, "the last pair at " + last + " ns");

        assertEquals(Optional.empty(), kernel.state("kvmgt"), "kvmgt must not be loaded");
        assertEquals(Optional.of(ModuleState.LIVE), kernel.state("i915"));
    }
}
