package dev.kmodharness.lockdep;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.module.ModuleState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Virtual time moves only when every task waits in the harness. An init that blocks elsewhere
 * (here LockSupport.park, as a plain sleep or a foreign lock would) holds it back: the watchdog
 * says so, naming the thread and its stack, instead of letting the run stall silently.
 */
class WatchdogTest {

    @TempDir
    Path dir;

    @Test
    void blockOutsideTheHarnessIsReportedWithNameAndStack() throws Exception {
        plugin("a").license("GPL").exportsGpl("a_sym").requestsNowait("b").parksOutsideHarness().writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_sym").writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).watchdog(Duration.ofMillis(20)).build()) {
            Thread loader = new Thread(() -> kernel.modprobe("a"), "insmod-a");
            loader.setDaemon(true);
            loader.start();

            await().atMost(Duration.ofSeconds(10)).until(() -> kernel.dmesg().stream()
                    .anyMatch(l -> l.contains("watchdog: virtual time stalled") && l.contains("task insmod-a/")));
            assertTrue(kernel.dmesg().stream().anyMatch(l -> l.contains("java.util.concurrent.locks.LockSupport.park(")),
                    kernel.dmesg().toString());
            assertEquals(0, kernel.now(), "b's 30 s timeout did not pass: time is held back");

            LockSupport.unpark(loader);
            await().atMost(Duration.ofSeconds(10)).until(() -> kernel.state("b").equals(Optional.of(ModuleState.LIVE)));
            assertEquals(ModuleState.LIVE, kernel.state("a").orElseThrow());
            assertEquals(0, kernel.now());
        }
    }

    @Test
    void kernelTimeSleepsDoNotStall() throws Exception {
        plugin("a").license("GPL").exportsGpl("a_sym").requestsNowait("b").msleep(10_000).writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_sym").writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).watchdog(Duration.ofMillis(20)).build()) {
            assertEquals(0, kernel.modprobe("a").status());
            kernel.awaitIdle();

            assertEquals(10_208_000_000L, kernel.now()); // msleep on the timer wheel
            assertEquals(ModuleState.LIVE, kernel.state("b").orElseThrow());
            assertTrue(kernel.dmesg().stream().noneMatch(l -> l.contains("watchdog")), kernel.dmesg().toString());
        }
    }
}
