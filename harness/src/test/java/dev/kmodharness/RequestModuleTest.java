package dev.kmodharness;

import static dev.kmodharness.Scenarios.LIVE;
import static dev.kmodharness.Scenarios.NOT_LOADED;
import static dev.kmodharness.Scenarios.SECOND;
import static dev.kmodharness.Scenarios.boot;
import static dev.kmodharness.Scenarios.eventually;
import static dev.kmodharness.Scenarios.module;
import static dev.kmodharness.Scenarios.texts;
import static dev.kmodharness.junit.InitSteps.printsThreadName;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** request_module and request_module_nowait: modprobe on a worker, wait statuses, kmod slots. */
@Timeout(10)
class RequestModuleTest {

    @TempDir
    Path dir;

    @Test
    void requestModuleIsSynchronousAndReturnsZeroOnSuccess() throws IOException {
        module("a").msleep(2000).printk("a: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.requestModule("a"));

            assertEquals(LIVE, kernel.state("a"), "loaded before request_module returned");
            assertEquals(List.of("[    2.016000] a: init"), kernel.dmesg());
        }
    }

    @Test
    void requestForAMissingModuleReturnsModprobesWaitStatus() throws IOException {
        module("a").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(256, kernel.requestModule("nosuch"));
            assertEquals(List.of(), kernel.dmesg());
        }
    }

    @Test
    void requestForAnEmptyNameIsModuleNotFound() throws IOException {
        // kmod.sh test 0001
        module("a").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(256, kernel.requestModule(""));
        }
    }

    @Test
    void requestForANameLongerThanAModuleNameIsEnametoolong() throws IOException {
        String longest = "m".repeat(55);
        module(longest).writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(-36, kernel.requestModule("m".repeat(56)));
            assertEquals(0, kernel.requestModule(longest));
            assertEquals(LIVE, kernel.state(longest));
        }
    }

    @Test
    void requestForAModuleWhoseInitFailsReturns256() throws IOException {
        module("a").fails(-19).writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(256, kernel.requestModule("a"));
            assertEquals(NOT_LOADED, kernel.state("a"));
        }
    }

    @Test
    void requestReadsDashesAsUnderscores() throws IOException {
        module("snd_dummy").printk("snd_dummy: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.requestModule("snd-dummy"));
            assertEquals(LIVE, kernel.state("snd_dummy"));
        }
    }

    @Test
    void moduleRequestedFromInitIsLiveBeforeTheRequesterCarriesOn() throws IOException {
        module("a").printk("a: init starts").requests("b").printk("a: init ends").writeTo(dir);
        module("b").msleep(3000).printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.modprobe("a").status());

            assertEquals(List.of(
                    "[    0.000000] a: init starts",
                    "[    3.040000] b: init",
                    "[    3.040000] a: request_module(b) returned 0",
                    "[    3.040000] a: init ends"), kernel.dmesg());
            assertEquals(LIVE, kernel.state("a"));
            assertEquals(LIVE, kernel.state("b"));
        }
    }

    @Test
    void modprobeRunsOnAWorkerThreadNotOnTheCaller() throws IOException {
        module("a").does(printsThreadName("a: init on thread ")).writeTo(dir);
        module("b").does(printsThreadName("b: init on thread ")).writeTo(dir);
        String me = Thread.currentThread().getName();

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(dir.resolve("a.jar")));
            assertEquals(0, kernel.requestModule("b"));

            List<String> lines = texts(kernel);
            assertEquals("a: init on thread " + me, lines.get(0), "insmod runs init on the caller");
            assertNotEquals("b: init on thread " + me, lines.get(1));
            assertEquals("b: init on thread modprobe b", lines.get(1));
        }
    }

    @Test
    void requestModuleNowaitReturnsAtOnceAndTheModuleLoadsLater() throws IOException {
        module("a").msleep(1000).printk("a: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.requestModuleNowait("a"));
            eventually().until(() -> kernel.state("a").equals(LIVE));
            kernel.awaitIdle();

            assertEquals(List.of("[    1.024000] a: init"), kernel.dmesg());
        }
    }

    @Test
    void requestModuleNowaitDoesNotReportModprobesFailure() throws IOException {
        module("a").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.requestModuleNowait("nosuch"));
            kernel.awaitIdle();

            assertEquals(NOT_LOADED, kernel.state("nosuch"));
        }
    }

    @Test
    void awaitIdleWaitsForNowaitRequestsToFinish() throws IOException {
        module("a").requestsNowait("b").writeTo(dir);
        module("b").msleep(7000).printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("a");
            kernel.awaitIdle();

            assertEquals(LIVE, kernel.state("b"));
            assertEquals(List.of(
                    "[    0.000000] a: request_module_nowait(b) returned 0",
                    "[    7.136000] b: init"), kernel.dmesg());
        }
    }

    @Test
    void emptyModprobePathFailsWithEnoent() throws IOException {
        module("a").writeTo(dir);

        try (Kernel kernel = Kernel.builder().modules(dir).modprobePath("").build()) {
            assertEquals(-2, kernel.requestModule("a"));
            assertEquals(-2, kernel.requestModuleNowait("a"));
            kernel.awaitIdle();
            assertEquals(NOT_LOADED, kernel.state("a"));
        }
    }

    @Test
    void modprobePathThatIsNotThereFailsWithEnoent() throws IOException {
        module("a").writeTo(dir);

        try (Kernel kernel = Kernel.builder().modules(dir).modprobePath("/nonexistent/modprobe").build()) {
            assertEquals(-2, kernel.requestModule("a"));
            assertEquals(NOT_LOADED, kernel.state("a"));
        }
    }

    @Test
    void requestFromInitSeesEnoentForAnEmptyModprobePath() throws IOException {
        module("a").requests("b").writeTo(dir);
        module("b").writeTo(dir);

        try (Kernel kernel = Kernel.builder().modules(dir).modprobePath("").build()) {
            assertEquals(0, kernel.modprobe("a").status());
            assertEquals(List.of("[    0.000000] a: request_module(b) returned -2"), kernel.dmesg());
        }
    }

    // ---- kmod_concurrent_max ----

    @Test
    void requestPastTheLimitFailsWithEtimeAfterFiveSeconds() throws IOException {
        // m starts r1 and r2; r1 holds the only slot from 1.024 s to 11.232 s, r2 asks for one
        // at 2.016 s (each msleep rounded up on the timer wheel at HZ=250). down_timeout's 5 s
        // (1,250 jiffies, wheel level 2, granularity 64) runs out at 7.136 s.
        module("m").requestsNowait("r1").requestsNowait("r2").writeTo(dir);
        module("r1").msleep(1000).requests("x").writeTo(dir);
        module("r2").msleep(2000).requests("y").writeTo(dir);
        module("x").msleep(10_000).writeTo(dir);
        module("y").printk("y: init").writeTo(dir);

        try (Kernel kernel = Kernel.builder().modules(dir).kmodConcurrentMax(1).build()) {
            kernel.modprobe("m");
            kernel.awaitIdle();

            assertEquals(List.of(
                    "[    0.000000] m: request_module_nowait(r1) returned 0",
                    "[    0.000000] m: request_module_nowait(r2) returned 0",
                    "[    7.136000] request_module: modprobe y cannot be processed, kmod busy with 1 threads for more than 5 seconds now",
                    "[    7.136000] r2: request_module(y) returned -62",
                    "[   11.232000] r1: request_module(x) returned 0"), kernel.dmesg());
            assertEquals(NOT_LOADED, kernel.state("y"));
            assertEquals(LIVE, kernel.state("x"));
            assertEquals(LIVE, kernel.state("r2"), "a failed request does not fail the requester");
        }
    }

    @Test
    void requestPastTheLimitGetsASlotWhenOneFreesWithinFiveSeconds() throws IOException {
        module("m").requestsNowait("r1").requestsNowait("r2").writeTo(dir);
        module("r1").msleep(1000).requests("x").writeTo(dir);
        module("r2").msleep(2000).requests("y").writeTo(dir);
        module("x").msleep(3000).writeTo(dir);
        module("y").printk("y: init").writeTo(dir);

        try (Kernel kernel = Kernel.builder().modules(dir).kmodConcurrentMax(1).build()) {
            kernel.modprobe("m");
            kernel.awaitIdle();

            // r1 gives its slot back, then prints; r2 runs on from there concurrently
            List<String> dmesg = kernel.dmesg();
            assertEquals(List.of(
                    "[    0.000000] m: request_module_nowait(r1) returned 0",
                    "[    0.000000] m: request_module_nowait(r2) returned 0"), dmesg.subList(0, 2));
            assertEquals(5, dmesg.size(), dmesg::toString);
            assertEquals(Set.of(
                    "[    4.064000] r1: request_module(x) returned 0",
                    "[    4.064000] y: init",
                    "[    4.064000] r2: request_module(y) returned 0"), Set.copyOf(dmesg.subList(2, dmesg.size())));
            assertTrue(dmesg.indexOf("[    4.064000] y: init")
                    < dmesg.indexOf("[    4.064000] r2: request_module(y) returned 0"), dmesg::toString);
            assertEquals(4_064_000_000L, kernel.now());
        }
    }

    @Test
    void fiftySynchronousRequestsFitTheDefaultLimit() throws IOException {
        // each requester holds a slot while its module sleeps 1 s; all 50 run at once
        var m = module("m");
        for (int i = 0; i < 50; i++) {
            m.requestsNowait("r" + i);
            module("r" + i).requests("x" + i).writeTo(dir);
            module("x" + i).msleep(1000).writeTo(dir);
        }
        m.writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("m");
            kernel.awaitIdle();

            for (int i = 0; i < 50; i++) {
                assertEquals(LIVE, kernel.state("x" + i), "x" + i);
            }
            assertEquals(1_024_000_000L, kernel.now(), "no request waited for a slot");
            assertEquals(List.of(), texts(kernel).stream().filter(l -> l.contains("kmod busy")).toList());
        }
    }
}
