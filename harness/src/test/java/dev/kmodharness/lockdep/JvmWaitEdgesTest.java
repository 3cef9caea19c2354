package dev.kmodharness.lockdep;

import static dev.kmodharness.junit.InitSteps.requestsModule;
import static dev.kmodharness.junit.InitSteps.synchronizedOn;
import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.module.ModuleState;
import dev.kmodharness.time.ClockMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Waits outside the harness are edges of lockdep's wait-for graph too: a task blocked on a Java
 * monitor another task holds, or on the JVM's initialization of a class another task is
 * initializing, closes a cycle with the harness's own waits. Lockdep names it and the kernel is
 * hung for good: awaitIdle returns false, long before any timeout.
 */
class JvmWaitEdgesTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ClockMode.class)
    void monitorHeldAcrossRequestModuleIsACycle(ClockMode clock) throws Exception {
        String lock = "JvmWaitEdgesTest lock " + clock;
        plugin("a").license("GPL").does(synchronizedOn(lock, requestsModule("b")))
                .writeTo(dir);
        plugin("b").license("GPL").does(synchronizedOn(lock)).writeTo(dir);
        // The hung-task report comes well after lockdep's: 500 ms against the detector's 62 ms round.
        try (Kernel kernel = Kernel.builder().modules(dir).clock(clock).hungTaskTimeout(Duration.ofMillis(500))
                .softLockup(Duration.ofMillis(500)).build()) {
            Thread task = kernel.exec("modprobe a", () -> kernel.modprobe("a"));

            assertFalse(kernel.awaitIdle(), "hung for good");
            assertEquals(1, kernel.deadlocks().size(), kernel.dmesg()::toString);
            String chain = kernel.deadlocks().get(0).chain();
            assertTrue(chain.matches("a init -> request_module\\(b\\) -> kmodtest\\.b\\.init\\.Init\\.<clinit> \\[b\\]"
                    + " -> monitor java\\.lang\\.String@[0-9a-f]+"), chain);
            List<String> text = texts(kernel);
            assertTrue(text.contains("WARNING: possible circular module dependency detected"), text::toString);
            assertTrue(text.contains("modprobe b/3 is trying to wait for:"), text::toString);

            // The hung-task detector names the monitor's owner, as debug_show_blocker does.
            await().atMost(Duration.ofSeconds(10)).until(() -> !kernel.lockups().isEmpty());
            assertTrue(texts(kernel).contains("INFO: task modprobe b:3 is blocked on a mutex likely owned by task modprobe a:2."),
                    kernel.dmesg()::toString);

            // A signal ends a's wait for b; a's init leaves the monitor; b's init takes it.
            task.interrupt();
            await().atMost(Duration.ofSeconds(10)).until(() -> kernel.state("b").equals(Optional.of(ModuleState.LIVE)));
            await().atMost(Duration.ofSeconds(10)).until(() -> !task.isAlive());
            assertTrue(kernel.awaitIdle());
            assertEquals(ModuleState.LIVE, kernel.state("a").orElseThrow());
        }
    }

    @ParameterizedTest
    @EnumSource(ClockMode.class)
    void gateOffClassInitDeadlockIsHungForGood(ClockMode clock) throws Exception {
        plugin("a").license("GPL").exportsGpl("a_sym").requests("b").initOnSymbols().writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_sym").writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).clock(clock).gate(false)
                .hungTaskTimeout(Duration.ofMillis(500)).softLockup(Duration.ofMillis(500)).build()) {
            Thread task = kernel.exec("modprobe a", () -> kernel.modprobe("a"));

            assertFalse(kernel.awaitIdle(), "hung for good");
            // Named once, by the gate's probe at 0 s; the JVM's class-initialization wait that
            // follows is the same cycle of the same tasks.
            assertEquals(1, kernel.deadlocks().size(), kernel.dmesg()::toString);
            assertEquals("a init -> request_module(b) -> b resolving a_sym -> a COMING", kernel.deadlocks().get(0).chain());
            assertEquals(ModuleState.COMING, kernel.state("b").orElseThrow());

            await().atMost(Duration.ofSeconds(10)).until(() -> !kernel.lockups().isEmpty());
            assertTrue(texts(kernel).contains("INFO: task modprobe b:3 is blocked on the class initialization of "
                    + "kmodtest.a.Symbols run by task modprobe a:2."), kernel.dmesg()::toString);

            task.interrupt();
            await().atMost(Duration.ofSeconds(10)).until(() -> kernel.state("b").equals(Optional.of(ModuleState.LIVE)));
            await().atMost(Duration.ofSeconds(10)).until(() -> !task.isAlive());
            assertTrue(kernel.awaitIdle());
        }
    }

    private static List<String> texts(Kernel kernel) {
        return kernel.dmesgRecords().stream().map(r -> r.text()).toList();
    }
}
