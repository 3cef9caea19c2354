package dev.kmodharness.junit;

import static dev.kmodharness.junit.KernelAssertions.assertThat;
import static dev.kmodharness.junit.KernelAssertions.at;
import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.OutputDirectoryCreator;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.reporting.FileEntry;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;

/**
 * The extension run as a user's tests run, through Jupiter itself (the Platform's
 * EngineTestKit): each nested fixture is a user's test class, passing or failing on purpose.
 * The fixtures are static nested classes, which Surefire does not run on their own.
 */
class KernelExtensionTest {

    @TempDir
    Path reports;

    // ---- fixtures: users' test classes ----

    @Fixture
    @KernelTest
    static class SeedHang {
        Kernel kernel;

        @ModuleSet
        static List<PluginBuilder> gvt() {
            return SeedSet.gvtRequest();
        }

        @Test
        void hangsAsTheSeedShows(Kernel param, @ModulesDir Path dir, TestReporter reporter) {
            reporter.publishEntry("dir", dir.toString());
            assertSame(kernel, param);
            assertTrue(Files.exists(dir.resolve("i915.jar")));

            assertThat(kernel).command(kernel.modprobe("i915")).succeeded();

            assertThat(kernel).module("i915").isLive().hasNoHolders();
            assertThat(kernel).module("kvmgt").isNotLoaded();
            assertThat(kernel).dmesg()
                    .containsLine("kvmgt: gave up waiting for init of module i915.", 4)
                    .containsLine("kvmgt: Unknown symbol intel_ring_begin (err -16)", at(62.432))
                    .containsLine(" *** DEADLOCK: i915 init -> request_module(kvmgt) -> kvmgt resolving "
                            + "i915_gem_object_set_to_cpu_domain -> i915 COMING ***", at(0));
            assertThat(kernel).isAt(123.872).isIdle();
        }
    }

    @Fixture
    @KernelTest
    static class FailingSeed {
        @ModuleSet
        static List<PluginBuilder> gvt() {
            return SeedSet.gvtRequest();
        }

        @Test
        void expectsKvmgtLive(Kernel kernel) {
            kernel.modprobe("i915");
            assertThat(kernel).module("kvmgt").isLive();
        }
    }

    @Fixture
    @KernelTest(deadlock = KernelTest.Deadlock.FAIL_TEST)
    static class DeadlockFailsTheTest {
        @ModuleSet
        static List<PluginBuilder> gvt() {
            return SeedSet.gvtRequest();
        }

        @Test
        void assertsNothingAboutTheCycle(Kernel kernel) {
            // Under FAIL_TEST the kernel is fail-fast: the closing wait fails at once.
            assertThat(kernel).command(kernel.modprobe("i915")).succeeded();
            assertThat(kernel).dmesg().containsLine("kvmgt: Unknown symbol i915_gem_object_set_to_cpu_domain (err -35)", at(0));
        }
    }

    @Fixture
    @KernelTest(builtin = "base")
    @ModulesFrom("${kmod.test.modules}")
    static class FromDirectory {
        @Test
        void bootsOnIt(Kernel kernel, @ModulesDir Path dir, TestReporter reporter) {
            reporter.publishEntry("dir", dir.toString());
            assertThat(kernel).module("base").isBuiltin().isLive();
            assertThat(kernel).command(kernel.modprobe("user")).succeeded();
            // a built-in's symbols have no owner to take a reference on (resolve_symbol: owner NULL)
            assertThat(kernel).module("base").hasNoHolders();
            assertThat(kernel).module("user").isLive().uses();
            assertThat(kernel).dmesg().containsLine("user: up", at(0));
        }
    }

    @Fixture
    @KernelTest
    static class NoModuleSet {
        @Test
        void neverRuns(Kernel kernel) {
        }
    }

    @Fixture
    @KernelTest(failOnLeaks = true)
    static class LeavesNothing {
        @ModuleSet
        static List<PluginBuilder> gvt() {
            return SeedSet.gvtRequest();
        }

        @Test
        void hangsAndEnds(Kernel kernel) {
            kernel.modprobe("i915");
            assertThat(kernel).module("i915").isLive();
        }
    }

    /** The gate-off class-init deadlock, started from a thread of the test's own that it never stops. */
    @Fixture
    @KernelTest(gate = false, failOnLeaks = true)
    static class LeavesAThreadBehind {
        @ModuleSet
        static List<PluginBuilder> classInitDeadlock() {
            return List.of(plugin("a").license("GPL").exportsGpl("a_sym").requests("b").initOnSymbols(),
                    plugin("b").license("GPL").imports("a", "a_sym"));
        }

        @Test
        void startsALoaderAndLeaves(Kernel kernel) {
            Thread loader = new Thread(() -> kernel.modprobe("a"), "leaked loader");
            loader.setDaemon(true);
            loader.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> !kernel.deadlocks().isEmpty());
            // The worker is stuck in b's init, at the call into a's class: the JVM's wait.
            await().atMost(Duration.ofSeconds(10)).until(() -> kernel.workers().stream()
                    .anyMatch(t -> t.getName().equals("modprobe b") && Arrays.stream(t.getStackTrace()).limit(3)
                            .anyMatch(f -> f.getClassName().equals("kmodtest.b.init.Init")
                                    && f.getMethodName().equals("<clinit>"))));
        }
    }

    /** A method's @KernelTest replaces the class's; a @Nested class boots on its outer class's set. */
    @Fixture
    @KernelTest(symbolTimeout = 5)
    static class Overrides {
        @ModuleSet
        List<PluginBuilder> gvt() {
            return SeedSet.gvtRequest();
        }

        @Test
        void classTimeout(Kernel kernel) {
            kernel.modprobe("i915");
            // four 5 s waits (1,250 jiffies each, level 2 of the timer wheel, rounded up to 64-jiffy
            // boundaries): 5.088, 10.208, 15.328, 20.448
            assertThat(kernel).isAt(20.448).dmesg()
                    .containsLine("kvmgt: Unknown symbol shmem_unpin_map (err -16)", at(20.448));
        }

        @Test
        @KernelTest(deadlock = KernelTest.Deadlock.FAIL_FAST)
        void methodPolicy(Kernel kernel) {
            kernel.modprobe("i915");
            assertThat(kernel).isAt(0).dmesg()
                    .containsLine("kvmgt: Unknown symbol i915_gem_object_set_to_cpu_domain (err -35)", at(0));
        }

        @org.junit.jupiter.api.Nested
        class Inner {
            @Test
            void outerSet(Kernel kernel) {
                kernel.modprobe("i915");
                assertThat(kernel).isAt(20.448).module("i915").isLive();
            }
        }
    }

    // ---- the tests ----

    @Test
    void bootsInjectsAndClosesAKernelPerTest() {
        EngineExecutionResults results = run(SeedHang.class, Map.of());
        results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
        Path dir = Path.of(entry(results, "dir"));
        assertFalse(Files.exists(dir), "the module set's directory is deleted after the test: " + dir);
    }

    @Test
    void aFailingScenarioReportsTheKernelAndAttachesTraceAndPlot() throws IOException {
        EngineExecutionResults results = run(FailingSeed.class, Map.of());
        results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
        Throwable failure = failure(results);

        assertTrue(failure.getMessage().startsWith("expected kvmgt to be LIVE, but it is not loaded\n== lsmod ==\n"),
                failure.getMessage());
        assertTrue(failure.getMessage().contains("== dmesg (the lines naming kvmgt) ==\n"
                + "[    0.000000] modprobe kvmgt/3 is trying to wait for:"), failure.getMessage());

        KernelReport report = Arrays.stream(failure.getSuppressed()).filter(KernelReport.class::isInstance)
                .map(KernelReport.class::cast).findFirst().orElseThrow();
        String text = report.getMessage();
        assertTrue(text.startsWith("the kernel when the test failed: 123.872000 s of kernel time, virtual clock, modules "),
                text);
        assertTrue(text.contains("== dmesg ==\n"), text);
        assertTrue(text.contains("[   62.432000] kvmgt: Unknown symbol intel_ring_begin (err -16)\n"), text);
        assertTrue(text.contains("== lsmod ==\nModule                  Size  Used by\ni915 "), text);
        assertTrue(text.contains("== lockdep ==\n======================================================\n"
                + "WARNING: possible circular module dependency detected\n"), text);
        assertTrue(text.contains("== critical chain ==\n"), text);
        assertTrue(text.contains("\ni915 @0.000s +123.872s\n└─request_module(kvmgt) @0.000s +123.872s returned 256\n"), text);
        // (the files' checks below say where)
        assertEquals(0, report.getStackTrace().length);

        Map<String, FileEntry> files = results.allEvents().stream()
                .filter(Event.byType(EventType.FILE_ENTRY_PUBLISHED))
                .map(e -> e.getRequiredPayload(FileEntry.class))
                .collect(Collectors.toMap(f -> f.getPath().getFileName().toString(), f -> f));
        assertEquals(List.of("kernel.txt", "plot.svg", "trace.json"), files.keySet().stream().sorted().toList());
        assertEquals(Optional.of("application/json"), files.get("trace.json").getMediaType());
        assertEquals(Optional.of("image/svg+xml"), files.get("plot.svg").getMediaType());
        assertTrue(Files.readString(files.get("trace.json").getPath()).contains("\"traceEvents\""));
        assertTrue(Files.readString(files.get("plot.svg").getPath()).contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assertTrue(Files.readString(files.get("kernel.txt").getPath()).contains("== lockdep =="));
        Path where = files.get("trace.json").getPath().getParent();
        assertTrue(where.startsWith(reports), where.toString());
        assertTrue(text.endsWith("\nattached: kernel.txt, trace.json (chrome://tracing, Perfetto), plot.svg in " + where),
                text);
    }

    @Test
    void failTestPolicyFailsAPassingTestWithTheLockdepReport() {
        EngineExecutionResults results = run(DeadlockFailsTheTest.class, Map.of());
        results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
        Throwable failure = failure(results);

        assertInstanceOf(DeadlockFailure.class, failure);
        assertTrue(failure.getMessage().startsWith("lockdep: a cycle closed while the test ran: i915 init -> "
                + "request_module(kvmgt) -> kvmgt resolving i915_gem_object_set_to_cpu_domain -> i915 COMING\n"
                + "======================================================\n"), failure.getMessage());
        assertTrue(failure.getMessage().endsWith(" *** DEADLOCK: i915 init -> request_module(kvmgt) -> kvmgt resolving "
                + "i915_gem_object_set_to_cpu_domain -> i915 COMING ***"), failure.getMessage());
        assertTrue(Arrays.stream(failure.getSuppressed()).anyMatch(KernelReport.class::isInstance));
    }

    @Test
    void modulesFromADirectoryNamedByAConfigurationParameter(@TempDir Path modules) {
        plugin("base").license("GPL").exports("base_fn").writeTo(modules);
        plugin("user").license("GPL").imports("base", "base_fn").printk("user: up").writeTo(modules);

        EngineExecutionResults results = run(FromDirectory.class, Map.of("kmod.test.modules", modules.toString()));
        results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
        assertEquals(modules.toString(), entry(results, "dir"));
        assertTrue(Files.exists(modules.resolve("user.jar")), "a named directory is never deleted");
    }

    @Test
    void aMethodsAnnotationReplacesTheClassesAndNestedClassesUseTheOuterSet() {
        EngineExecutionResults results = run(Overrides.class, Map.of());
        results.testEvents().assertStatistics(stats -> stats.started(3).succeeded(3));
    }

    @Test
    void noModuleSetIsAConfigurationError() {
        EngineExecutionResults results = run(NoModuleSet.class, Map.of());
        results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
        Throwable failure = failure(results);
        assertInstanceOf(ExtensionConfigurationException.class, failure);
        assertEquals("no module set for " + NoModuleSet.class.getName() + ": describe one with a @ModuleSet method or "
                + "field, or name a directory with @ModulesFrom", failure.getMessage());
    }

    @Test
    void aClosedKernelLeavesNoThreadAndNoClassLoader() {
        EngineExecutionResults results = run(LeavesNothing.class, Map.of());
        results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
    }

    @Test
    void aKernelThreadAndClassLoadersLeftBehindFailTheTest() {
        try {
            EngineExecutionResults results = run(LeavesAThreadBehind.class, Map.of());
            results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
            String message = failure(results).getMessage();
            assertTrue(message.startsWith("left behind after the kernel was closed:\n  kernel thread 'modprobe b' ("),
                    message);
            assertTrue(message.endsWith("\n  class loader of module a: still reachable 5 s after close\n"
                    + "  class loader of module b: still reachable 5 s after close"), message);
        } finally {
            // Unwind what the fixture left: a's init stops waiting for b, and the JVM lets b's init go on.
            Optional<Thread> loader = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("leaked loader")).findFirst();
            loader.ifPresent(Thread::interrupt);
            await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().equals("leaked loader") || t.getName().equals("modprobe b")));
        }
    }

    // ---- helpers ----

    private EngineExecutionResults run(Class<?> fixture, Map<String, String> parameters) {
        return EngineTestKit.engine("junit-jupiter")
                .selectors(DiscoverySelectors.selectClass(fixture))
                .configurationParameters(parameters)
                .configurationParameter(Fixture.ENABLED, "true")
                .outputDirectoryCreator(new OutputDirectoryCreator() {
                    @Override
                    public Path getRootDirectory() {
                        return reports;
                    }

                    @Override
                    public Path createOutputDirectory(TestDescriptor descriptor) throws IOException {
                        return Files.createDirectories(reports.resolve(
                                descriptor.getUniqueId().toString().replaceAll("[^A-Za-z0-9._-]", "_")));
                    }
                })
                .execute();
    }

    private static Throwable failure(EngineExecutionResults results) {
        return results.testEvents().failed().stream().findFirst().orElseThrow()
                .getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
    }

    private static String entry(EngineExecutionResults results, String key) {
        return results.allEvents().stream().filter(Event.byType(EventType.REPORTING_ENTRY_PUBLISHED))
                .map(e -> e.getRequiredPayload(ReportEntry.class).getKeyValuePairs().get(key))
                .filter(v -> v != null).findFirst().orElseThrow();
    }
}
