package dev.kmodharness.module;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.release.Release;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads of a module that is loading already. add_unformed_module: a second load of a name whose
 * first load is UNFORMED or COMING waits for it, then gets -EEXIST if it went LIVE, else -EBUSY
 * (since 6.2); on 5.15 it waits until the first is LIVE or gone and tries again. Since 6.5 a
 * load of the very file another load is loading waits for that load and returns its result
 * (idempotent_init_module). Which of two racing loads comes first is up to the threads; the
 * outcome as a whole is not.
 */
class SameNameLoadTest {

    @TempDir
    Path dir;

    @TempDir
    Path elsewhere;

    @RepeatedTest(20)
    void onCurrentKernelsASecondFileOfAComingModuleWhoseInitFailsGetsEbusy() throws Exception {
        Path jar = plugin("a").license("GPL").msleep(5_000).printk("a: init").fails(-19).writeTo(dir);
        Path copy = Files.copy(jar, elsewhere.resolve("a.jar"));
        try (Kernel kernel = Kernel.builder().modules(dir).release(Release.V6_12).build()) {
            List<Integer> results = insmodBoth(kernel, jar, copy);

            assertEquals(List.of(-19, -16), results.stream().sorted().toList());
            // msleep(5000): 1,251 jiffies at HZ=250, wheel level 2, rounded up to 1,272: 5.088 s
            assertEquals(5_088_000_000L, kernel.now(), "the second load waited for the first's init");
            assertEquals(List.of("[    5.088000] a: init"), kernel.dmesg());
            assertTrue(kernel.state("a").isEmpty());
        }
    }

    @RepeatedTest(20)
    void onCurrentKernelsTwoLoadsOfTheSameFileRunOneInitAndBothGetItsResult() throws Exception {
        Path jar = plugin("a").license("GPL").msleep(5_000).printk("a: init").fails(-19).writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).release(Release.V6_12).build()) {
            List<Integer> results = insmodBoth(kernel, jar, jar);

            assertEquals(List.of(-19, -19), results, "idempotent_init_module: the first load's result, twice");
            assertEquals(5_088_000_000L, kernel.now());
            assertEquals(List.of("[    5.088000] a: init"), kernel.dmesg(), "one init");
            assertTrue(kernel.state("a").isEmpty());
        }
    }

    @RepeatedTest(20)
    void on515ASecondLoadWaitsForTheFirstToGoAndThenLoadsAfresh() throws Exception {
        Path jar = plugin("a").license("GPL").msleep(5_000).printk("a: init").fails(-19).writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).release(Release.V5_15).build()) {
            List<Integer> results = insmodBoth(kernel, jar, jar);

            assertEquals(List.of(-19, -19), results, "both inits ran and failed");
            // the second init starts when the first is gone, at 5.088 s, and its msleep ends on
            // the next 64-jiffy boundary after 1,251 more jiffies: 10.208 s
            assertEquals(List.of("[    5.088000] a: init", "[   10.208000] a: init"), kernel.dmesg());
            assertTrue(kernel.state("a").isEmpty());
        }
    }

    @RepeatedTest(20)
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
            // msleep(10000): 2,501 jiffies, level 2, rounded up to 2,552: 10.208 s
            assertEquals(10_208_000_000L, kernel.now(), "b waited for x, the second load for the first");
            assertTrue(kernel.dmesg().stream().noneMatch(l -> l.contains("Unknown symbol")), kernel.dmesg().toString());
        }
    }

    private static List<Integer> insmodBoth(Kernel kernel, Path jar1, Path jar2) {
        ConcurrentLinkedQueue<Integer> results = new ConcurrentLinkedQueue<>();
        // Started from within a task, so kernel time stands still until both are tasks.
        kernel.task(() -> List.of(kernel.exec("insmod 1", () -> results.add(kernel.insmod(jar1))),
                kernel.exec("insmod 2", () -> results.add(kernel.insmod(jar2)))));
        assertTrue(kernel.awaitIdle());
        return List.copyOf(results);
    }
}
