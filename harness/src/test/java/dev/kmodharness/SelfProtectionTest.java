package dev.kmodharness;

import static dev.kmodharness.junit.ClassFiles.entryName;
import static dev.kmodharness.junit.InitSteps.parksUntilInterrupted;
import static dev.kmodharness.junit.InitSteps.runnableClass;
import static dev.kmodharness.junit.InitSteps.setsDefaultLocale;
import static dev.kmodharness.junit.InitSteps.sleepsForever;
import static dev.kmodharness.junit.InitSteps.spinsUntilInterrupted;
import static dev.kmodharness.junit.InitSteps.startsThread;
import static dev.kmodharness.junit.PluginBuilder.initClassOf;
import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.lockdep.DeadlockError;
import dev.kmodharness.module.ModuleState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness protects itself from module code: its output keeps its digits whatever locale a
 * module sets, a throwing onDeadlock listener changes nothing, and a kernel that cannot finish
 * still closes, naming every thread module code left running.
 */
class SelfProtectionTest {

    @TempDir
    Path dir;

    @Test
    void aModuleSettingTheDefaultLocaleChangesNoDigitOfTheKernel() throws Exception {
        plugin("a").license("GPL").does(setsDefaultLocale("th-TH-u-nu-thai"))
                .writeTo(dir);
        plugin("b").license("GPL").msleep(1500).printk("b: done").writeTo(dir);
        Locale before = Locale.getDefault();
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            assertEquals(0, kernel.modprobe("a").status());
            // The locale is the JVM's: the module changed it for everyone.
            assertNotEquals("1", String.format("%d", 1), "Thai digits now, where a format follows the default");

            assertEquals(0, kernel.modprobe("b").status());
            List<String> dmesg = kernel.dmesg();
            // msleep(1500): 376 jiffies at HZ=250, rounded up by the timer wheel to 1.536 s
            assertEquals("[    1.536000] b: done", dmesg.get(dmesg.size() - 1));
            assertTrue(kernel.lsmod().matches("Module {18}Size  Used by\nb +[0-9]+  0\na +[0-9]+  0\n"),
                    kernel.lsmod());
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void aThrowingDeadlockListenerChangesNothingAndIsReportedOnce() throws Exception {
        plugin("a").license("GPL").exportsGpl("a_one", "a_two").requests("b").writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_one", "a_two").writeTo(dir);
        List<String> quiet;
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            assertEquals(0, kernel.modprobe("a").status());
            quiet = kernel.dmesg();
        }
        List<String> heard = new ArrayList<>();
        try (Kernel kernel = Kernel.builder().modules(dir).onDeadlock(report -> {
            heard.add(report.chain());
            throw new AssertionError("deadlock: " + report.chain());
        }).build()) {
            assertEquals(0, kernel.modprobe("a").status());

            List<String> loud = new ArrayList<>(kernel.dmesg());
            // b's second wait closes the same cycle again: lockdep reports a dependency once.
            assertEquals(List.of("a init -> request_module(b) -> b resolving a_one -> a COMING"), heard);
            String line = "[    0.000000] lockdep: onDeadlock listener threw java.lang.AssertionError: deadlock: "
                    + "a init -> request_module(b) -> b resolving a_one -> a COMING; ignored, the waits go on";
            assertEquals(1, loud.stream().filter(l -> l.contains("onDeadlock listener threw")).count(), loud::toString);
            assertTrue(loud.remove(line), loud::toString);
            assertEquals(quiet, loud, "the same scenario: both 30 s waits, the same answers");
            // two symbol waits through the timer wheel: 31.712 s, then 30.72 s more
            assertEquals(62_432_000_000L, kernel.now());
            assertEquals(ModuleState.LIVE, kernel.state("a").orElseThrow());

            DeadlockError error = assertThrows(DeadlockError.class, kernel::assertNoDeadlock);
            assertEquals(1, error.reports().size());
            assertTrue(error.getMessage().startsWith("1 deadlock found by lockdep:\n"
                    + "======================================================\n"
                    + "WARNING: possible circular module dependency detected\n"), error.getMessage());
        }
    }

    @Test
    void noDeadlockNoError() throws Exception {
        plugin("a").license("GPL").writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            assertEquals(0, kernel.modprobe("a").status());
            kernel.assertNoDeadlock();
        }
    }

    @Test
    void closeNamesEachThreadModuleCodeLeftRunning() throws Exception {
        plugin("a").license("GPL").does(spinsUntilInterrupted()).writeTo(dir);
        Kernel kernel = Kernel.builder().modules(dir).softLockup(Duration.ZERO).build();
        Thread insmod = new Thread(() -> kernel.modprobe("a"), "insmod-a");
        insmod.setDaemon(true);
        insmod.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> kernel.leftoverThreads().contains(insmod));

            kernel.close();

            assertTrue(kernel.dmesg().stream().anyMatch(l -> l.endsWith("] close: thread 'insmod-a' left running in "
                    + "module a (RUNNABLE at kmodtest.a.init.Init.<clinit>(Unknown Source)); it pins the module's "
                    + "class loader")), kernel.dmesg()::toString);
            assertEquals(List.of(insmod), kernel.leftoverThreads());
        } finally {
            insmod.interrupt();
            await().atMost(Duration.ofSeconds(10)).until(() -> !insmod.isAlive());
        }
        assertEquals(List.of(), kernel.leftoverThreads());
    }

    @Test
    void closeNamesAThreadAPluginStartedAndLeftRunning() throws Exception {
        plugin("a").license("GPL").resource(entryName(initClassOf("a")),
                runnableClass(initClassOf("a"), List.of(startsThread("a-worker")), parksUntilInterrupted()))
                .writeTo(dir);
        Kernel kernel = Kernel.builder().modules(dir).build();
        assertEquals(0, kernel.modprobe("a").status());
        // Found once it runs module code: a thread just started may not have entered run() yet.
        Thread worker = await().atMost(Duration.ofSeconds(10)).until(() -> kernel.leftoverThreads().stream()
                .filter(t -> t.getName().equals("a-worker")).findFirst().orElse(null), t -> t != null);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.getState() == Thread.State.WAITING);

            kernel.close();

            assertTrue(kernel.dmesg().stream().anyMatch(l -> l.endsWith("] close: thread 'a-worker' left running in "
                    + "module a (WAITING at kmodtest.a.init.Init.run(Unknown Source)); it pins the module's class "
                    + "loader")), kernel.dmesg()::toString);
        } finally {
            worker.interrupt();
            await().atMost(Duration.ofSeconds(10)).until(() -> !worker.isAlive());
        }
        assertEquals(List.of(), kernel.leftoverThreads());
    }

    @Test
    void showStateListsEachTaskWithItsState() throws Exception {
        plugin("a").license("GPL").does(sleepsForever()).writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).hungTaskTimeout(Duration.ofMillis(200)).build()) {
            kernel.exec("modprobe a", () -> kernel.modprobe("a"));
            await().atMost(Duration.ofSeconds(10)).until(() -> !kernel.lockups().isEmpty());

            List<String> state = kernel.showState().lines().toList();
            assertEquals("sysrq: Show State", state.get(0));
            assertEquals("task:modprobe a      state:D stack:0     pid:2     tgid:2     ppid:0      flags:0x00000000",
                    state.get(1));
            assertEquals("Call Trace:", state.get(2));
            assertTrue(state.contains(" kmodtest.a.init.Init.<clinit>(Unknown Source) [a]"), state::toString);
        }
    }
}
