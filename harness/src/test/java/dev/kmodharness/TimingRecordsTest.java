package dev.kmodharness;

import static dev.kmodharness.Scenarios.COMING;
import static dev.kmodharness.Scenarios.LIVE;
import static dev.kmodharness.Scenarios.eventually;
import static dev.kmodharness.Scenarios.module;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.time.ClockMode;
import dev.kmodharness.timing.InitRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kernel.timings(): bounded like the printk ring; what is under way shows as pending. */
class TimingRecordsTest {

    @TempDir
    Path dir;

    private static List<String> modules(Kernel kernel) {
        return kernel.timings().stream().map(InitRecord::module).toList();
    }

    @Test
    void pastTheCapacityTheOldestLoadsAreDropped() throws Exception {
        for (String name : List.of("a", "b", "c", "d", "e")) {
            module(name).writeTo(dir);
        }
        try (Kernel kernel = Kernel.builder().modules(dir).timingRecords(3).build()) {
            for (String name : List.of("a", "b", "c", "d", "e")) {
                assertEquals(0, kernel.modprobe(name).status());
            }
            assertEquals(List.of("c", "d", "e"), modules(kernel));
            assertTrue(kernel.timings().stream().allMatch(r -> Integer.valueOf(0).equals(r.result())));
        }
    }

    @Test
    void aCapacityBelowOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Kernel.builder().timingRecords(0));
        assertEquals("timing records must be at least 1: 0", e.getMessage());
    }

    @Test
    @SuppressWarnings("try") // close() inside the try: it ends a's msleep
    void aLoadStillRunningOutlivesFinishedOnesAndItsWaitersShowPending() throws Exception {
        // REAL clock: a's init sleeps ten minutes, until close(); b needs a's symbol meanwhile
        module("a").exports("a_sym").msleep(600_000).writeTo(dir);
        module("b").imports("a", "a_sym").writeTo(dir);
        module("c").writeTo(dir);
        module("d").writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).clock(ClockMode.REAL).timeScale(1.0)
                .timingRecords(3).build()) {
            assertEquals(0, kernel.requestModuleNowait("a"));
            eventually().until(() -> kernel.state("a").equals(COMING));
            AtomicInteger b = new AtomicInteger(Integer.MIN_VALUE);
            Thread modprobeB = new Thread(() -> b.set(kernel.modprobe("b").status()), "modprobe b");
            modprobeB.start();

            // b waits for a's symbol: the wait is in b's record, pending, ending at the read
            eventually().until(() -> kernel.timings().stream()
                    .anyMatch(r -> r.module().equals("b") && !r.waits().isEmpty()));
            InitRecord.Wait wait = record(kernel, "b").waits().get(0);
            assertEquals(List.of("a_sym", "a", "0", "true"),
                    List.of(wait.symbol(), wait.owner(), String.valueOf(wait.err()), String.valueOf(wait.pending())));
            assertEquals(null, record(kernel, "b").result());

            // c and d finish; a and b, still running, are kept while a finished load can go
            assertEquals(0, kernel.modprobe("c").status());
            assertEquals(0, kernel.modprobe("d").status());
            assertEquals(List.of("a", "b", "d"), modules(kernel));

            kernel.close(); // a's msleep ends early, as on a signal: a goes LIVE, b links
            modprobeB.join(5000);
            assertFalse(modprobeB.isAlive());
            assertEquals(0, b.get());
            assertEquals(LIVE, kernel.state("b"));
            InitRecord.Wait ended = record(kernel, "b").waits().get(0);
            assertEquals(List.of("a_sym", "a", "0", "false"),
                    List.of(ended.symbol(), ended.owner(), String.valueOf(ended.err()),
                            String.valueOf(ended.pending())));
            assertEquals(List.of("a", "b", "d"), modules(kernel));
        }
    }

    private static InitRecord record(Kernel kernel, String module) {
        return kernel.timings().stream().filter(r -> r.module().equals(module)).findFirst().orElseThrow();
    }
}
