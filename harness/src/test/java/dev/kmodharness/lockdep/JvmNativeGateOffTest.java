package dev.kmodharness.lockdep;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.module.ModuleState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the gate off the harness links as a plain JVM plugin system does: a COMING module's
 * classes pass. The seed's shape then becomes a class-initialization deadlock: b's init calls
 * a symbol of a class whose static initializer (a's init) is waiting for b. The JVM gives that
 * thread no timeout and ThreadMXBean does not see it; the harness still names the cycle.
 */
class JvmNativeGateOffTest {

    @TempDir
    Path dir;

    @Test
    void classInitDeadlockIsStuckInTheJvmAndReported() throws Exception {
        plugin("a").license("GPL").exportsGpl("a_sym").requests("b").initOnSymbols().writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_sym").writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).gate(false).build()) {
            Thread loader = new Thread(() -> kernel.modprobe("a"), "loader");
            loader.setDaemon(true);
            loader.start();

            await().atMost(Duration.ofSeconds(10)).until(() -> !kernel.deadlocks().isEmpty());
            assertEquals("a init -> request_module(b) -> b resolving a_sym -> a COMING", kernel.deadlocks().get(0).chain());

            // The worker is stuck in b's init, at the call into a's class: the JVM's wait.
            await().atMost(Duration.ofSeconds(10)).until(() -> worker("modprobe b").isPresent());
            Thread worker = worker("modprobe b").orElseThrow();
            assertTrue(worker.isDaemon());
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10))
                    .until(() -> worker.isAlive() && inInitOf(worker, "kmodtest.b.init.Init"));
            assertEquals(ModuleState.COMING, kernel.state("a").orElseThrow());
            assertEquals(ModuleState.COMING, kernel.state("b").orElseThrow());

            // Unwind: a's init stops waiting for b (as a signal would), finishes, and the JVM
            // lets b's init go on.
            loader.interrupt();
            await().atMost(Duration.ofSeconds(10)).until(() -> kernel.state("b").equals(Optional.of(ModuleState.LIVE)));
            await().atMost(Duration.ofSeconds(10)).until(() -> !loader.isAlive() && !worker.isAlive());
            assertEquals(ModuleState.LIVE, kernel.state("a").orElseThrow());
        }
    }

    @Test
    void gateOffWithFailFastRefusesTheLinkInsteadOfBlocking() throws Exception {
        plugin("a").license("GPL").exportsGpl("a_sym").requests("b").initOnSymbols().writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_sym").writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).gate(false)
                .deadlockPolicy(DeadlockPolicy.FAIL_FAST).build()) {
            assertEquals(0, kernel.modprobe("a").status());

            assertTrue(kernel.dmesg().stream().anyMatch(l -> l.endsWith("b: Unknown symbol a_sym (err -35)")),
                    kernel.dmesg().toString());
            assertEquals(ModuleState.LIVE, kernel.state("a").orElseThrow());
            assertTrue(kernel.state("b").isEmpty());
            assertEquals(0, kernel.now());
        }
    }

    private static Optional<Thread> worker(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst();
    }

    private static boolean inInitOf(Thread thread, String className) {
        StackTraceElement[] stack = thread.getStackTrace();
        return stack.length > 0 && Arrays.stream(stack).limit(3)
                .anyMatch(f -> f.getClassName().equals(className) && f.getMethodName().equals("<clinit>"));
    }
}
