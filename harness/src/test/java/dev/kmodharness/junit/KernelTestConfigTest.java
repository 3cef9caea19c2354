package dev.kmodharness.junit;

import static dev.kmodharness.junit.InitSteps.sleepsForever;
import static dev.kmodharness.junit.InitSteps.spinsUntilInterrupted;
import static dev.kmodharness.junit.KernelAssertions.assertThat;
import static dev.kmodharness.junit.KernelAssertions.at;
import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.kmodharness.Kernel;
import dev.kmodharness.release.Release;
import dev.kmodharness.time.Lockup;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * {@link KernelTest}'s release, HZ and detector thresholds reach the kernel, run through
 * Jupiter itself (the EngineTestKit) as a user's test classes: the fixtures below.
 */
class KernelTestConfigTest {

    // ---- fixtures: users' test classes ----

    /**
     * The seed on 6.12: today's modprobe inserts i915 again while it is COMING, and that
     * finit_module of the same file waits for the first with no timeout (idempotent_init_module).
     */
    /** The cycle of the seed on 6.12: kvmgt's modprobe waits on the insert of i915 that is COMING. */
    static final String CYCLE_612 = "i915 init -> request_module(kvmgt) -> insmod i915 (same file) -> finit_module(i915)";

    /**
     * The first of the seed's four pairs at HZ=1000: 30,000 jiffies from boot's INITIAL_JIFFIES,
     * on level 3 of the wheel (512-jiffy granularity), fire on the next level-3 boundary: 30.176 s.
     */
    static final double FIRST_PAIR_1000HZ = 30.176;

    @Fixture
    @KernelTest(release = Release.V6_12, failOnLeaks = true)
    static class SeedOn612 {
        @ModuleSet
        static List<PluginBuilder> gvt() {
            return SeedSet.gvtRequest();
        }

        @Test
        void hangsForGood(Kernel kernel) {
            kernel.exec("modprobe", () -> kernel.modprobe("i915", "enable_gvt=1"));
            assertEquals(Release.V6_12, kernel.release());
            assertThat(kernel).isHung().hasDeadlock(CYCLE_612).dmesg()
                    .containsLine("i915: unknown parameter 'enable_gvt' ignored", at(0))
                    .containsLine(" *** DEADLOCK: " + CYCLE_612 + " ***", at(0))
                    .doesNotContainLine("kvmgt: gave up waiting for init of module i915.");
            assertThat(kernel).isAt(0).module("i915").isComing();
        }
    }

    /** The seed at HZ=1000: resolve_symbol_wait's 30 s are 30,000 jiffies, rounded up by the wheel. */
    @Fixture
    @KernelTest(hz = 1000)
    static class SeedAt1000Hz {
        @ModuleSet
        static List<PluginBuilder> gvt() {
            return SeedSet.gvtRequest();
        }

        @Test
        void firstWaitEndsOnTheWheelsGranularity(Kernel kernel) {
            assertThat(kernel).command(kernel.modprobe("i915")).succeeded();
            assertThat(kernel).dmesg()
                    .containsLine("kvmgt: gave up waiting for init of module i915.", at(FIRST_PAIR_1000HZ))
                    .containsLine("kvmgt: Unknown symbol i915_gem_object_set_to_cpu_domain (err -16)",
                            at(FIRST_PAIR_1000HZ));
        }
    }

    /** Detector thresholds of 200 ms: an init blocked outside the harness, an init that spins. */
    @Fixture
    @KernelTest(hungTaskTimeout = 0.2, softLockup = 0.2, failOnLeaks = true)
    static class Detectors {
        @ModuleSet
        static List<PluginBuilder> hostile() {
            return List.of(plugin("blocked").license("GPL").does(sleepsForever()),
                    plugin("spinning").license("GPL").does(spinsUntilInterrupted()));
        }

        @Test
        void blockedInitIsAHungTask(Kernel kernel) {
            kernel.exec("modprobe blocked", () -> kernel.modprobe("blocked"));
            // the annotation's 0.2 s, not the default 4 s, brings the report
            await().atMost(Duration.ofSeconds(3)).until(() -> !kernel.lockups().isEmpty());
            assertThat(kernel).isHung().dmesg()
                    .containsLineMatching("INFO: task modprobe blocked:2 blocked for more than [0-9]+ seconds\\.");
            Lockup lockup = kernel.lockups().get(0);
            assertEquals(Lockup.Kind.HUNG_TASK, lockup.kind());
            assertEquals("hung task modprobe blocked:2", lockup.summary());
        }

        @Test
        void spinningInitIsASoftLockup(Kernel kernel) {
            kernel.exec("modprobe spinning", () -> kernel.modprobe("spinning"));
            await().atMost(Duration.ofSeconds(3)).until(() -> !kernel.lockups().isEmpty());
            assertThat(kernel).isHung().dmesg()
                    .containsLineMatching("watchdog: BUG: soft lockup - CPU#0 stuck for [0-9]+s! \\[modprobe spinning:2\\]");
            assertEquals("soft lockup of task modprobe spinning:2", kernel.lockups().get(0).summary());
        }
    }

    @Fixture
    @KernelTest(hz = 200)
    static class BadHz {
        @ModuleSet
        static List<PluginBuilder> gvt() {
            return SeedSet.gvtRequest();
        }

        @Test
        void neverRuns(Kernel kernel) {
        }
    }

    // ---- the tests ----

    @Test
    void releaseV612HangsTheSeedForGoodThroughTheSameFileInsert() {
        run(SeedOn612.class).testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
    }

    @Test
    void hzSetsTheTimerWheelsRounding() {
        run(SeedAt1000Hz.class).testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
    }

    @Test
    void detectorThresholdsReportHungTasksAndSoftLockups() {
        run(Detectors.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));
    }

    @Test
    void anHzTheKernelDoesNotOfferIsAConfigurationError() {
        EngineExecutionResults results = run(BadHz.class);
        results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
        Throwable failure = results.testEvents().failed().stream().findFirst().orElseThrow()
                .getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
        assertInstanceOf(org.junit.jupiter.api.extension.ExtensionConfigurationException.class, failure);
        assertEquals("@KernelTest: CONFIG_HZ must be one of [100, 250, 300, 1000]: 200", failure.getMessage());
    }

    private static EngineExecutionResults run(Class<?> fixture) {
        return EngineTestKit.engine("junit-jupiter")
                .selectors(DiscoverySelectors.selectClass(fixture))
                .configurationParameter(Fixture.ENABLED, "true")
                .execute();
    }
}
