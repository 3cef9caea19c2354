package dev.kmodharness.lockdep;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.module.ModuleState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lockdep for module init: the seed's cycle (a's init requests b, b needs a's symbols) is named
 * the moment it closes, link by link, once; fail-fast turns it into one immediate -EDEADLK.
 */
class WaitForGraphTest {

    @TempDir
    Path dir;

    private void seedLikeModules() {
        plugin("a").license("GPL").exportsGpl("a_one", "a_two").requests("b").writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_one", "a_two").writeTo(dir);
    }

    @Test
    void cycleIsReportedAtOnceWithEveryLinkAndTheKernelGoesOn() throws Exception {
        seedLikeModules();
        List<DeadlockReport> heard = Collections.synchronizedList(new ArrayList<>());
        try (Kernel kernel = Kernel.builder().modules(dir).onDeadlock(heard::add).build()) {
            assertEquals(0, kernel.modprobe("a").status());

            assertEquals(1, kernel.deadlocks().size(), "one cycle, reported once for both symbols");
            DeadlockReport report = kernel.deadlocks().get(0);
            assertEquals(List.of(report), heard);
            assertEquals("a init -> request_module(b) -> b resolving a_one -> a COMING", report.chain());
            assertEquals(0, report.kernelNanos(), "reported when the cycle closed, before any timeout");
            assertEquals(2, report.links().size());
            assertTrue(report.links().get(0).thread().startsWith("modprobe b/"));

            List<Dmesg.Record> dmesg = kernel.dmesgRecords();
            List<String> texts = dmesg.stream().map(Dmesg.Record::text).toList();
            int warning = texts.indexOf("WARNING: possible circular module dependency detected");
            assertTrue(warning > 0, texts.toString());
            assertEquals(0, dmesg.get(warning).nanos());
            assertTrue(texts.contains(" *** DEADLOCK: " + report.chain() + " ***"), texts.toString());
            // report policy: the kernel's behaviour goes on, each symbol waits out its 30 s, which
            // the timer wheel rounds up: 31.712 s from boot, 62.432 s
            assertTrue(texts.containsAll(List.of("b: gave up waiting for init of module a.",
                    "b: Unknown symbol a_one (err -16)", "b: Unknown symbol a_two (err -16)")), texts.toString());
            assertEquals(62_432_000_000L, kernel.now());
            assertEquals(ModuleState.LIVE, kernel.state("a").orElseThrow());
        }
    }

    @Test
    void failFastTurnsTheCycleIntoOneImmediateEdeadlk() throws Exception {
        seedLikeModules();
        try (Kernel kernel = Kernel.builder().modules(dir).deadlockPolicy(DeadlockPolicy.FAIL_FAST).build()) {
            assertEquals(0, kernel.modprobe("a").status());

            List<String> texts = kernel.dmesgRecords().stream().map(Dmesg.Record::text).toList();
            assertTrue(texts.contains("b: Unknown symbol a_one (err -35)"), texts.toString());
            assertFalse(texts.contains("b: Unknown symbol a_two (err -35)"), "the load stops at the deadlock");
            assertFalse(texts.stream().anyMatch(t -> t.contains("gave up waiting")), texts.toString());
            assertTrue(texts.contains("a: request_module(b) returned 256"), texts.toString());
            assertEquals(0, kernel.now(), "no 30 s wait at all");
            assertEquals(ModuleState.LIVE, kernel.state("a").orElseThrow());
            assertTrue(kernel.state("b").isEmpty());
        }
    }

    @Test
    void waitsThatCloseNoCycleAreNotReported() throws Exception {
        // a's init does not wait on b: request_module_nowait, then a kernel-time sleep
        plugin("a").license("GPL").exportsGpl("a_one").requestsNowait("b").msleep(5_000).writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_one").writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            assertEquals(0, kernel.modprobe("a").status());
            kernel.awaitIdle();

            assertEquals(List.of(), kernel.deadlocks());
            assertEquals(ModuleState.LIVE, kernel.state("b").orElseThrow());
            assertEquals(5_088_000_000L, kernel.now());
        }
    }

    @Test
    void longerCyclesAreNamedLinkByLink() throws Exception {
        // a's init requests b, b's init requests c, c needs a's symbol.
        plugin("a").license("GPL").exportsGpl("a_sym").requests("b").writeTo(dir);
        plugin("b").license("GPL").requests("c").writeTo(dir);
        plugin("c").license("GPL").imports("a", "a_sym").writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).deadlockPolicy(DeadlockPolicy.FAIL_FAST).build()) {
            assertEquals(0, kernel.modprobe("a").status());

            DeadlockReport report = kernel.deadlocks().get(0);
            assertEquals("a init -> request_module(b) -> b init -> request_module(c) -> c resolving a_sym -> a COMING",
                    report.chain());
            assertEquals(3, report.links().size());
            assertEquals(0, kernel.now());
        }
    }
}
