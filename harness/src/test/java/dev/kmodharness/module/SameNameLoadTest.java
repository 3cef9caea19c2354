package dev.kmodharness.module;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * add_unformed_module: a second load of a module whose first load is UNFORMED or COMING waits
 * for it, then gets -EEXIST if it went LIVE, else -EBUSY (since 6.2). Which of two racing loads
 * comes first is up to the threads; the outcome as a whole is not.
 */
class SameNameLoadTest {

    @TempDir
    Path dir;

    @RepeatedTest(10)
    void secondLoadOfAComingModuleWhoseInitFailsGetsEbusy() throws Exception {
        Path jar = plugin("a").license("GPL").msleep(5_000).fails(-19).writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            List<Integer> results = insmodTwice(kernel, jar);

            assertEquals(List.of(-19, -16), results.stream().sorted().toList());
            assertEquals(5_000_000_000L, kernel.now(), "the second load waited for the first's init");
            assertTrue(kernel.state("a").isEmpty());
        }
    }

    @RepeatedTest(10)
    void secondLoadOfAnUnformedModuleWaitsForItAndGetsEexist() throws Exception {
        // x's init starts two modprobes of b at time 0 and stays COMING for 10 s. One load of b
        // sits UNFORMED, resolving x_sym; the other finds it there and waits on it.
        plugin("x").license("GPL").exportsGpl("x_sym").requestsNowait("b").requestsNowait("b").msleep(10_000)
                .writeTo(dir);
        plugin("b").license("GPL").imports("x", "x_sym").writeTo(dir);
        List<String> formed = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Kernel kernel = Kernel.builder().modules(dir)
                .notifier(e -> formed.add(e.module() + " " + e.state())).build()) {
            assertEquals(0, kernel.modprobe("x").status());
            assertTrue(kernel.awaitIdle());

            assertEquals(List.of("x COMING", "x LIVE", "b COMING", "b LIVE"), formed, "b formed once");
            assertEquals(10_000_000_000L, kernel.now(), "b waited for x, the second load for the first");
            assertTrue(kernel.dmesg().stream().noneMatch(l -> l.contains("Unknown symbol")), kernel.dmesg().toString());
        }
    }

    private static List<Integer> insmodTwice(Kernel kernel, Path jar) {
        ConcurrentLinkedQueue<Integer> results = new ConcurrentLinkedQueue<>();
        // Started from within a task, so kernel time stands still until both are tasks.
        kernel.task(() -> List.of(kernel.exec("insmod 1", () -> results.add(kernel.insmod(jar))),
                kernel.exec("insmod 2", () -> results.add(kernel.insmod(jar)))));
        assertTrue(kernel.awaitIdle());
        return List.copyOf(results);
    }
}
