package dev.kmodharness;

import static dev.kmodharness.Scenarios.SECOND;
import static dev.kmodharness.Scenarios.boot;
import static dev.kmodharness.Scenarios.module;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.time.ClockMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The virtual clock: kernel time moves only when every kernel task is blocked, and then
 * straight to the earliest deadline. Timeouts cost nothing and timestamps are exact, so a
 * scenario's dmesg is the same on every run.
 */
@Timeout(10)
class VirtualClockTest {

    @TempDir
    Path dir;

    @Test
    void theDefaultClockIsVirtualAndStartsAtZero() throws IOException {
        module("a").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(ClockMode.VIRTUAL, kernel.clock());
            assertEquals(0, kernel.now());
        }
    }

    @Test
    void timeStandsStillWhileNothingWaits() throws IOException {
        module("a").exports("s").printk("a: init").writeTo(dir);
        module("b").imports("a", "s").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("b");
            kernel.requestModule("nosuch");
            kernel.awaitIdle();
            assertEquals(0, kernel.now());
        }
    }

    @Test
    void aWaitThatTimesOutEndsOnTheTimerWheelsBoundaryAfterItsTimeout() throws IOException {
        module("a").exports("s").msleep(1234).requests("b").writeTo(dir);
        module("b").imports("a", "s").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("a");

            // msleep(1234) ends at 1.248 s (310 jiffies, level 1, rounded up to 312); the 30 s
            // wait from there (7,500 jiffies, level 3) ends on the next 512-jiffy boundary of
            // jiffies after it, which counts from INITIAL_JIFFIES: 31.712 s, 30.464 s later.
            assertEquals(31_712_000_000L,
                    Scenarios.stampOf(kernel, "b: gave up waiting for init of module a."));
        }
    }

    @Test
    void parallelSleepsOverlapInsteadOfAddingUp() throws IOException {
        module("m").requestsNowait("x").requestsNowait("y").requestsNowait("z").writeTo(dir);
        module("x").msleep(3000).printk("x: init").writeTo(dir);
        module("y").msleep(1000).printk("y: init").writeTo(dir);
        module("z").msleep(2000).printk("z: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("m");
            kernel.awaitIdle();

            assertEquals(List.of(
                    "[    1.024000] y: init",
                    "[    2.016000] z: init",
                    "[    3.040000] x: init"), kernel.dmesg().subList(3, 6));
            assertEquals(3_040_000_000L, kernel.now());
        }
    }

    @Test
    void theSameScenarioGivesByteIdenticalDmesgOnEveryRun() throws IOException {
        // nowait requests, per-symbol timeouts, sleeps, a failing init waking a waiter, an owner
        // going LIVE during a wait; no wait cycle, and every two events at the same kernel time
        // are causally ordered
        module("a").exports("s1", "s2").requestsNowait("b").msleep(100).requestsNowait("d").msleep(70_000)
                .printk("a: init done").writeTo(dir);
        module("b").imports("a", "s1", "s2").writeTo(dir);
        module("c").imports("a", "s2").printk("c: init done").writeTo(dir);
        module("d").msleep(100).requestsNowait("e").msleep(45_000).requestsNowait("c").writeTo(dir);
        module("e").exports("u").msleep(50).requestsNowait("f").msleep(700).fails(-19).writeTo(dir);
        module("f").imports("e", "u").printk("f: init").writeTo(dir);

        String first = run("a");
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(first.getBytes(StandardCharsets.UTF_8), run("a").getBytes(StandardCharsets.UTF_8),
                    "run " + i + " differs from the first:\n" + first);
        }
        assertEquals(String.join("\n",
                "[    0.000000] a: request_module_nowait(b) returned 0",
                "[    0.108000] a: request_module_nowait(d) returned 0",
                "[    0.216000] d: request_module_nowait(e) returned 0",
                "[    0.276000] e: request_module_nowait(f) returned 0",
                "[    0.992000] f: Unknown symbol u (err -2)",
                "[   31.712000] b: gave up waiting for init of module a.",
                "[   31.712000] b: Unknown symbol s1 (err -16)",
                "[   46.048000] d: request_module_nowait(c) returned 0",
                "[   62.432000] b: gave up waiting for init of module a.",
                "[   62.432000] b: Unknown symbol s2 (err -16)",
                "[   70.624000] a: init done",
                "[   70.624000] c: init done",
                "Module                  Size  Used by"), first.substring(0, first.indexOf("\n", first.indexOf("Module"))));
        assertEquals(List.of("c", "d", "a"), first.lines().skip(13).limit(3).map(l -> l.split(" +")[0]).toList());
    }

    @Test
    void theSeedsHangGivesByteIdenticalDmesgOnEveryRun() throws IOException {
        // a wait cycle: whatever the kernel prints about it must not vary from run to run either
        module("a").exports("s1", "s2").requests("b").writeTo(dir);
        module("b").imports("a", "s1", "s2").writeTo(dir);

        String first = run("a");
        assertTrue(first.contains("[   62.432000] a: request_module(b) returned 256\n"), first);
        for (int i = 0; i < 3; i++) {
            assertEquals(first, run("a"), "run " + i + " differs from the first");
        }
    }

    /** Boots, modprobes {@code name}, waits for the dust to settle: dmesg, lsmod and /proc/modules. */
    private String run(String name) throws IOException {
        try (Kernel kernel = boot(dir)) {
            kernel.modprobe(name);
            kernel.awaitIdle();
            return String.join("\n", kernel.dmesg()) + "\n" + kernel.lsmod() + kernel.procModules();
        }
    }
}
