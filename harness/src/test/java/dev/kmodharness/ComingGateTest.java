package dev.kmodharness;

import static dev.kmodharness.Scenarios.LIVE;
import static dev.kmodharness.Scenarios.NOT_LOADED;
import static dev.kmodharness.Scenarios.boot;
import static dev.kmodharness.Scenarios.module;
import static dev.kmodharness.Scenarios.moduleLoaderDmesg;
import static dev.kmodharness.Scenarios.stampOf;
import static dev.kmodharness.Scenarios.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.module.ModuleInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The COMING rule: a module whose init is running exports symbols that others may not link
 * against yet. An importer waits (resolve_symbol_wait) on module_wq, up to the symbol timeout
 * per symbol; the same holds for the harness's class gate.
 */
@Timeout(10)
class ComingGateTest {

    @TempDir
    Path dir;

    @Test
    void importerOfAComingOwnerGivesUpAfterTheTimeoutForEverySymbolInTurn() throws IOException {
        // a's init synchronously requests b, and b needs a's symbols: the i915/kvmgt hang (the
        // wait-for graph reports the cycle in dmesg too; that report is lockdep's business)
        module("a").exports("s1", "s2").requests("b").writeTo(dir);
        module("b").imports("a", "s1", "s2").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            Modprobe.Result result = kernel.modprobe("a");

            assertEquals(new Modprobe.Result(0, List.of()), result);
            assertEquals(List.of(
                    "[   31.712000] b: gave up waiting for init of module a.",
                    "[   31.712000] b: Unknown symbol s1 (err -16)",
                    "[   62.432000] b: gave up waiting for init of module a.",
                    "[   62.432000] b: Unknown symbol s2 (err -16)",
                    "[   62.432000] a: request_module(b) returned 256"), moduleLoaderDmesg(kernel));
            assertEquals(LIVE, kernel.state("a"));
            assertEquals(NOT_LOADED, kernel.state("b"));
            assertEquals(62_432_000_000L, kernel.now());
            ModuleInfo a = kernel.module("a").orElseThrow();
            assertEquals(0, a.refcnt(), "b's failed load must not keep a reference on a");
            assertEquals(List.of(), a.holders());
        }
    }

    @Test
    void theWaitIsPerSymbolAndFollowsTheConfiguredTimeout() throws IOException {
        module("a").exports("s1", "s2", "s3").requests("b").writeTo(dir);
        module("b").imports("a", "s1", "s2", "s3").writeTo(dir);

        try (Kernel kernel = Kernel.builder().modules(dir).symbolTimeout(Duration.ofMillis(2500)).build()) {
            kernel.modprobe("a");

            // 2.5 s is 625 jiffies at HZ=250: wheel level 2, 64-jiffy granularity, so each
            // wait ends on the next 64-jiffy boundary: 2.528 s from boot, then 2.56 s apart.
            assertEquals(List.of(
                    "[    2.528000] b: gave up waiting for init of module a.",
                    "[    2.528000] b: Unknown symbol s1 (err -16)",
                    "[    5.088000] b: gave up waiting for init of module a.",
                    "[    5.088000] b: Unknown symbol s2 (err -16)",
                    "[    7.648000] b: gave up waiting for init of module a.",
                    "[    7.648000] b: Unknown symbol s3 (err -16)",
                    "[    7.648000] a: request_module(b) returned 256"), moduleLoaderDmesg(kernel));
        }
    }

    @Test
    void theLoadFailsWithTheLastErrorAfterTryingEverySymbol() throws IOException {
        // s1's owner is COMING (-EBUSY after the wait), s2 exists nowhere (-ENOENT at once)
        module("a").exports("s1").requests("b").writeTo(dir);
        module("b").imports("a", "s1").imports("nosuch", "s2").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("a");

            assertEquals(List.of(
                    "[   31.712000] b: gave up waiting for init of module a.",
                    "[   31.712000] b: Unknown symbol s1 (err -16)",
                    "[   31.712000] b: Unknown symbol s2 (err -2)",
                    "[   31.712000] a: request_module(b) returned 256"), moduleLoaderDmesg(kernel));
        }
    }

    @Test
    void importerResolvesWithoutAMessageWhenTheOwnerGoesLiveDuringTheWait() throws IOException {
        module("a").exports("s").requestsNowait("b").msleep(5000).printk("a: init done")
                .writeTo(dir);
        module("b").imports("a", "s").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.modprobe("a").status());
            kernel.awaitIdle();

            assertEquals(List.of(
                    "[    0.000000] a: request_module_nowait(b) returned 0",
                    "[    5.088000] a: init done",
                    "[    5.088000] b: init"), kernel.dmesg());
            assertEquals(LIVE, kernel.state("a"));
            assertEquals(LIVE, kernel.state("b"));
            assertEquals(5_088_000_000L, stampOf(kernel, "b: init"), "b links as soon as a is LIVE");
            assertEquals(5_088_000_000L, kernel.now());
            ModuleInfo a = kernel.module("a").orElseThrow();
            assertEquals(1, a.refcnt());
            assertEquals(List.of("b"), a.holders());
            assertEquals(List.of("a"), kernel.module("b").orElseThrow().uses());
            assertTrue(kernel.lsmod().contains(String.format("%-19s %8d  %d %s\n", "a", a.size(), 1, "b")),
                    kernel.lsmod());
        }
    }

    @Test
    void waiterStopsAtOnceWithEnoentWhenTheOwnersInitFails() throws IOException {
        module("a").exports("s").requestsNowait("b").msleep(1000).fails(-19).writeTo(dir);
        module("b").imports("a", "s").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            Modprobe.Result result = kernel.modprobe("a");
            kernel.awaitIdle();

            assertEquals(new Modprobe.Result(1, List.of("modprobe: ERROR: could not insert 'a': No such device")),
                    result);
            assertEquals(List.of(
                    "[    0.000000] a: request_module_nowait(b) returned 0",
                    "[    1.024000] b: Unknown symbol s (err -2)"), kernel.dmesg());
            assertEquals(NOT_LOADED, kernel.state("a"));
            assertEquals(NOT_LOADED, kernel.state("b"));
            assertEquals(1_024_000_000L, kernel.now(), "nobody waited out a timeout");
        }
    }

    @Test
    void classGateWaitsForAComingExporterAndLetsThroughOnceItIsLive() throws IOException {
        module("a").exports("s").requestsNowait("b").msleep(5000).writeTo(dir);
        module("b").loadsClassOf("a").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("a");
            kernel.awaitIdle();

            assertEquals(List.of(
                    "[    0.000000] a: request_module_nowait(b) returned 0",
                    "[    5.088000] b: init"), kernel.dmesg());
            assertEquals(LIVE, kernel.state("a"));
            assertEquals(LIVE, kernel.state("b"));
        }
    }

    @Test
    void classGateGivesUpAfterTheTimeoutAndInitFailsWithEnoent() throws IOException {
        module("a").exports("s").requestsNowait("b").msleep(40_000).printk("a: init done").writeTo(dir);
        module("b").loadsClassOf("a").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("a");
            kernel.awaitIdle();

            List<String> dmesg = kernel.dmesg();
            assertEquals(4, dmesg.size(), dmesg::toString);
            assertEquals("[    0.000000] a: request_module_nowait(b) returned 0", dmesg.get(0));
            assertEquals("[   31.712000] b: gave up waiting for init of module a.", dmesg.get(1));
            assertTrue(dmesg.get(2).startsWith("[   31.712000] b: module_init threw java.lang.ClassNotFoundException"),
                    dmesg.get(2));
            assertTrue(dmesg.get(2).endsWith("(err -2)"), dmesg.get(2));
            assertEquals("[   41.952000] a: init done", dmesg.get(3));
            assertEquals(LIVE, kernel.state("a"));
            assertEquals(NOT_LOADED, kernel.state("b"));
        }
    }

    @Test
    void classOfAPackageNoModuleExportsIsNotVisible() throws IOException {
        module("b").loadsClassOf("nosuch").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            int err = kernel.insmod(dir.resolve("b.jar"));

            assertEquals(-2, err);
            assertEquals(NOT_LOADED, kernel.state("b"));
            List<String> lines = texts(kernel);
            assertEquals(1, lines.size(), lines::toString);
            assertTrue(lines.get(0).startsWith("b: module_init threw java.lang.ClassNotFoundException"), lines::toString);
            assertTrue(lines.get(0).endsWith("(err -2)"), lines::toString);
            assertFalse(lines.get(0).contains("gave up"));
            assertEquals(0, kernel.now(), "no wait for a class nobody exports");
        }
    }

    @Test
    void classOfAnExporterThatIsLiveIsVisibleAtOnce() throws IOException {
        module("a").exports("s").writeTo(dir);
        module("b").loadsClassOf("a").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(dir.resolve("a.jar")));
            assertEquals(0, kernel.insmod(dir.resolve("b.jar")));

            assertEquals(List.of("[    0.000000] b: init"), kernel.dmesg());
        }
    }
}
