package dev.kmodharness.shell;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.module.ModuleState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code &} runs a line on a thread of its own while the script goes on; {@code wait} and the
 * script's end join it; background output never interleaves; sleep is kernel time.
 */
class ShellConcurrencyTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /** The thread running each module's init, recorded when it goes COMING. */
    private final Map<String, Thread> initThreads = new ConcurrentHashMap<>();

    private Kernel boot() throws Exception {
        return Kernel.builder().modules(dir)
                .notifier(event -> {
                    if (event.state() == ModuleState.COMING) {
                        initThreads.put(event.module(), Thread.currentThread());
                    }
                })
                .build();
    }

    @Test
    void aBackgroundLineRunsWhileTheNextLinesDoAndWaitJoinsIt() throws Exception {
        // Both inits block outside the harness until this test lets them go.
        plugin("slow").license("GPL").parksOutsideHarness().printk("slow: init done").exit().writeTo(dir);
        plugin("gate").license("GPL").parksOutsideHarness().exit().writeTo(dir);
        try (Kernel kernel = boot()) {
            StringWriter out = new StringWriter(); // StringBuffer inside: safe to read while written
            StringWriter err = new StringWriter();
            Shell shell = new Shell(kernel, new PrintWriter(out), new PrintWriter(err), dir);
            CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> shell.run(List.of(
                    "modprobe slow &",
                    "modprobe gate",
                    "cat /sys/module/slow/initstate",
                    "wait",
                    "cat /sys/module/slow/initstate",
                    "lsmod")));

            // Line 1 (background) and line 2 (foreground) are in their inits at the same time.
            await().atMost(TIMEOUT).until(() -> initThreads.containsKey("slow") && initThreads.containsKey("gate"));
            assertEquals(Optional.of("coming"), kernel.initstate("slow"));
            assertEquals(Optional.of("coming"), kernel.initstate("gate"));
            assertEquals("script line 1", initThreads.get("slow").getName());

            LockSupport.unpark(initThreads.get("gate"));
            await().atMost(TIMEOUT).until(() -> out.toString().equals("coming\n"));
            // Line 4 waits for line 1, whose init is still parked.
            assertFalse(run.isDone());
            assertEquals(Optional.of("coming"), kernel.initstate("slow"));

            LockSupport.unpark(initThreads.get("slow"));
            assertEquals(0, run.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS), err.toString());
            assertEquals("", err.toString());
            assertTrue(out.toString().startsWith("coming\nlive\nModule                  Size  Used by\n"), out.toString());
            assertEquals(Optional.of("live"), kernel.initstate("slow"));
        }
    }

    @Test
    void theScriptsEndWaitsForBackgroundLinesStillRunning() throws Exception {
        plugin("slow").license("GPL").parksOutsideHarness().exit().writeTo(dir);
        try (Kernel kernel = boot()) {
            CompletableFuture<ShellRun.Result> run = CompletableFuture.supplyAsync(
                    () -> ShellRun.run(kernel, dir, "modprobe slow &", "lsmod"));

            await().atMost(TIMEOUT).until(() -> initThreads.containsKey("slow"));
            assertFalse(run.isDone());
            LockSupport.unpark(initThreads.get("slow"));

            ShellRun.Result r = run.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(0, r.status(), r.err());
            assertEquals(Optional.of("live"), kernel.initstate("slow"));
        }
    }

    @Test
    void aFailedBackgroundLineMakesTheStatusOne() throws Exception {
        plugin("a").license("GPL").exit().writeTo(dir);
        try (Kernel kernel = boot()) {
            ShellRun.Result r = ShellRun.run(kernel, dir, "modprobe a &", "rmmod nosuch &", "wait", "lsmod");

            assertEquals(1, r.status());
            assertEquals("rmmod: ERROR: Module nosuch is not currently loaded\n", r.err());
            assertTrue(kernel.module("a").isPresent());
        }
    }

    @Test
    void backgroundOutputComesInWholeBlocksAndWholeLines() throws Exception {
        plugin("a").license("GPL").exportsGpl("a_sym").exit().writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_sym").exit().writeTo(dir);
        plugin("hello").license("GPL").printk("hello: one").printk("hello: two").printk("hello: three").exit()
                .writeTo(dir);
        try (Kernel kernel = boot()) {
            List<String> script = new ArrayList<>(List.of("modprobe b", "modprobe hello"));
            for (int i = 0; i < 30; i++) {
                script.addAll(List.of("lsmod &", "cat /proc/modules &", "dmesg &", "rmmod nosuch &"));
            }
            script.add("wait");
            ShellRun.Result r = ShellRun.run(kernel, dir, script.toArray(String[]::new));

            assertEquals(1, r.status());
            assertEquals(Collections.nCopies(30, "rmmod: ERROR: Module nosuch is not currently loaded"), r.errLines());
            List<String> blocks = List.of(kernel.lsmod(), kernel.procModules(),
                    String.join("\n", kernel.dmesg()) + "\n");
            int[] counts = new int[blocks.size()];
            String rest = r.out();
            while (!rest.isEmpty()) {
                int before = rest.length();
                for (int i = 0; i < blocks.size(); i++) {
                    if (rest.startsWith(blocks.get(i))) {
                        counts[i]++;
                        rest = rest.substring(blocks.get(i).length());
                        break;
                    }
                }
                assertTrue(rest.length() < before, "not a whole block at: " + rest);
            }
            assertEquals(List.of(30, 30, 30), List.of(counts[0], counts[1], counts[2]));
        }
    }

    @Test
    void sleep30AdvancesKernelTimeByExactly30Seconds() throws Exception {
        plugin("hello").license("GPL").printk("hello: hi").exit().writeTo(dir);
        try (Kernel kernel = boot()) {
            long before = kernel.now();
            ShellRun.Result r = ShellRun.run(kernel, dir, "sleep 30");
            assertEquals(0, r.status(), r.err());
            assertEquals(30_000_000_000L, kernel.now() - before);

            r = ShellRun.run(kernel, dir, "modprobe hello", "dmesg", "sleep 30 &", "wait", "sleep 1.5 2m");
            assertEquals(0, r.status(), r.err());
            assertEquals("[   30.000000] hello: hi\n", r.out());
            assertEquals(30_000_000_000L + 30_000_000_000L + 121_500_000_000L, kernel.now() - before);
        }
    }

    @RepeatedTest(20)
    void backgroundLinesAreTasksSoVirtualTimeSeesThemAndTheirWait() throws Exception {
        plugin("slow").license("GPL").msleep(10_000).exit().writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            // Two sleeps run side by side: 30 s, not 60, whatever the threads' timing.
            ShellRun.Result r = ShellRun.run(kernel, dir, "sleep 30 &", "sleep 30 &", "wait");
            assertEquals(0, r.status(), r.err());
            assertEquals(30_000_000_000L, kernel.now());

            // The shell is a task: time cannot jump while it is between lines, so a load
            // started in the background is still COMING after 5 s of the shell's own sleep.
            r = ShellRun.run(kernel, dir, "modprobe slow &", "sleep 5", "cat /sys/module/slow/initstate", "wait",
                    "cat /sys/module/slow/initstate");
            assertEquals(0, r.status(), r.err());
            assertEquals("coming\nlive\n", r.out());
            // sleep(1) is exact (an hrtimer); the module's msleep(10000) is not: 2,501 jiffies
            // from 30 s, rounded up on the wheel to 2,540: 10.16 s
            assertEquals(40_160_000_000L, kernel.now());
        }
    }
}
