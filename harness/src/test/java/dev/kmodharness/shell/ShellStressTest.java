package dev.kmodharness.shell;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.junit.PluginBuilder;
import dev.kmodharness.module.ModuleInfo;
import dev.kmodharness.module.ModuleState;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "done when": 1,000 modprobe/rmmod pairs over 50 modules, 100 lines at a time in
 * the background, must leave nothing behind: after the last wait every module is LIVE with no
 * reference but its users', after the cleanup lsmod is empty, and every plugin class loader
 * the run made is garbage. Concurrent lines on one module legitimately fail (EEXIST, in use,
 * not loaded, a dependency removed under a load), so the script's status is not asserted.
 */
class ShellStressTest {

    private static final int MODULES = 50;
    private static final int BATCHES = 20;
    private static final int PAIRS_PER_BATCH = 50;

    @TempDir
    Path dir;

    private static String name(int i) {
        return String.format("m%02d", i);
    }

    /** Every m_i exports m_i_sym; each even m_i from m20 on imports m_(i-20)'s: chains like m40, m20, m00. */
    private void writeModules() {
        for (int i = 0; i < MODULES; i++) {
            PluginBuilder builder = plugin(name(i)).license("GPL").exportsGpl(name(i) + "_sym").exit();
            if (i >= 20 && i % 2 == 0) {
                builder.imports(name(i - 20), name(i - 20) + "_sym");
            }
            builder.writeTo(dir);
        }
    }

    private static List<String> stressScript(long seed) {
        Random random = new Random(seed);
        List<String> script = new ArrayList<>();
        for (int batch = 0; batch < BATCHES; batch++) {
            for (int pair = 0; pair < PAIRS_PER_BATCH; pair++) {
                String module = name(random.nextInt(MODULES));
                script.add("modprobe " + module + " &");
                script.add("rmmod " + module + " &");
            }
            script.add("wait");
        }
        return script;
    }

    /** After the final wait: every module, users before what they use, one at a time. */
    private static List<String> cleanupScript() {
        List<String> script = new ArrayList<>(List.of("wait"));
        for (int i = MODULES - 1; i >= 0; i--) {
            script.add("rmmod " + name(i));
        }
        script.add("lsmod");
        return script;
    }

    @RepeatedTest(3)
    void thousandConcurrentModprobeRmmodPairsLeaveNothingBehind(RepetitionInfo repetition) throws Exception {
        writeModules();
        Queue<WeakReference<ClassLoader>> loaders = new ConcurrentLinkedQueue<>();
        AtomicInteger noLoader = new AtomicInteger();
        try (Kernel kernel = Kernel.builder().modules(dir)
                .notifier(event -> {
                    if (event.state() == ModuleState.COMING) {
                        if (event.loader() == null) {
                            noLoader.incrementAndGet();
                        }
                        loaders.add(new WeakReference<>(event.loader()));
                    }
                })
                .build()) {
            List<String> stress = stressScript(repetition.getCurrentRepetition());
            assertEquals(2 * BATCHES * PAIRS_PER_BATCH, stress.stream().filter(l -> !l.equals("wait")).count());

            ShellRun.Result stressRun = ShellRun.run(kernel, dir, stress.toArray(String[]::new));
            assertTrue(stressRun.status() == 0 || stressRun.status() == 1, stressRun.err());
            assertTrue(stressRun.errLines().stream().noneMatch(l -> l.startsWith("kmod-harness:")), stressRun.err());

            // Nothing half done: all LIVE, and the only references are the users'.
            for (ModuleInfo info : kernel.modules()) {
                assertEquals(ModuleState.LIVE, info.state(), info.toString());
                assertEquals(info.holders().size(), info.refcnt(), info.toString());
            }

            ShellRun.Result cleanup = ShellRun.run(kernel, dir, cleanupScript().toArray(String[]::new));
            assertEquals("Module                  Size  Used by\n", cleanup.out());
            assertTrue(cleanup.errLines().stream().allMatch(l -> l.matches("rmmod: ERROR: Module m\\d\\d is not currently loaded")),
                    cleanup.err());
            assertEquals(List.of(), kernel.modules());
            for (int i = 0; i < MODULES; i++) {
                assertTrue(kernel.module(name(i)).isEmpty(), name(i));
            }

            assertEquals(0, noLoader.get(), "COMING events without a class loader");
            assertTrue(loaders.size() >= MODULES, "loads seen: " + loaders.size());
            if (Boolean.getBoolean("stress.stats")) {
                System.out.println("seed " + repetition.getCurrentRepetition() + ": loads " + loaders.size()
                        + ", status " + stressRun.status() + ", errors by kind:");
                stressRun.errLines().stream()
                        .map(l -> l.replaceAll("m\\d\\d", "mNN").replaceAll("by: .*", "by: ..."))
                        .collect(java.util.stream.Collectors.groupingBy(l -> l, java.util.TreeMap::new,
                                java.util.stream.Collectors.counting()))
                        .forEach((kind, n) -> System.out.println("  " + n + " x " + kind));
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                System.gc();
                return loaders.stream().allMatch(ref -> ref.get() == null);
            });
        }
    }
}
