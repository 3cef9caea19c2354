package dev.kmodharness.junit;

import static dev.kmodharness.junit.KernelAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.explore.Run;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;

/**
 * @ExploreSchedules run through the EngineTestKit. The race: the user's {@code modprobe kvmgt}
 * and {@code modprobe i915} at once, on the seed's set (i915's init requests kvmgt). Depending
 * on the schedule, kvmgt ends LIVE (the user's modprobe loads it after i915's init) or not.
 */
class ExploreSchedulesTest {

    /** The token of an outcome where the user's modprobe kvmgt loads kvmgt once i915 is LIVE. */
    static final String KVMGT_LIVE = "S10e2c";

    @Fixture
    @KernelTest
    static class Race {
        @ModuleSet
        static List<PluginBuilder> gvt() {
            return SeedSet.gvtRequest();
        }

        @ExploreSchedules(script = {"modprobe kvmgt &", "modprobe i915 &", "wait"}, schedules = 60)
        void i915AlwaysEndsLive(Kernel kernel, Run run) {
            // the script's status varies (kvmgt's modprobe fails in some schedules); it always ends
            assertEquals(Run.End.FINISHED, run.end());
            assertThat(kernel).module("i915").isLive();
            // which cycle closes depends on the schedule (two or three links), never whether one does
            assertFalse(kernel.deadlocks().isEmpty());
        }
    }

    @Fixture
    @KernelTest
    static class RaceExpectingTooMuch {
        @ModuleSet
        static List<PluginBuilder> gvt() {
            return SeedSet.gvtRequest();
        }

        @ExploreSchedules(script = {"modprobe kvmgt &", "modprobe i915 &", "wait"}, schedules = 60)
        void kvmgtNeverLoads(Kernel kernel) {
            assertThat(kernel).module("kvmgt").isNotLoaded();
        }
    }

    @Fixture
    @KernelTest
    static class Pinned {
        @ModuleSet
        static List<PluginBuilder> gvt() {
            return SeedSet.gvtRequest();
        }

        @ExploreSchedules(script = {"modprobe kvmgt &", "modprobe i915 &", "wait"})
        @Replay(KVMGT_LIVE)
        void kvmgtLoadsAfterI915(Kernel kernel, Run run) {
            assertEquals(KVMGT_LIVE, run.token());
            assertThat(kernel).module("i915").isLive().hasHolders("kvmgt").hasRefcnt(1);
            assertThat(kernel).module("kvmgt").isLive();
            assertThat(kernel).dmesg().containsLine("kvmgt: gave up waiting for init of module i915.", 4);
            assertThat(kernel).isAt(123.872);
        }
    }

    @Test
    void oneInvocationPerOutcomeNamedByItsReplayToken() {
        EngineExecutionResults results = run(Race.class);
        results.testEvents().assertStatistics(stats -> stats.failed(0));
        List<String> names = results.testEvents().started().stream()
                .map(e -> e.getTestDescriptor().getDisplayName()).toList();
        assertTrue(names.size() >= 2, names.toString());
        assertTrue(names.stream().allMatch(n -> n.matches("S[0-9a-zA-Z~]*")), names.toString());
        assertEquals(names.size(), names.stream().distinct().count(), names.toString());
        String explored = results.allEvents().stream().filter(Event.byType(EventType.REPORTING_ENTRY_PUBLISHED))
                .map(e -> e.getRequiredPayload(ReportEntry.class).getKeyValuePairs().get("explored"))
                .findFirst().orElseThrow();
        assertTrue(explored.startsWith("explored 60 schedules: " + names.size() + " outcomes; "), explored);
    }

    @Test
    void aFailingScheduleCarriesItsInterleavingAndTheKernelReport() {
        EngineExecutionResults results = run(RaceExpectingTooMuch.class);
        Event failed = results.testEvents().failed().stream().findFirst().orElseThrow();
        Throwable failure = failed.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
        String token = failed.getTestDescriptor().getDisplayName();

        assertTrue(failure.getMessage().startsWith("expected kvmgt not to be loaded, but it is LIVE\n"),
                failure.getMessage());
        ScheduleRun.ScheduleReport schedule = Arrays.stream(failure.getSuppressed())
                .filter(ScheduleRun.ScheduleReport.class::isInstance).map(ScheduleRun.ScheduleReport.class::cast)
                .findFirst().orElseThrow();
        String text = schedule.getMessage();
        assertTrue(text.startsWith("schedule " + token + " (outcome "), text);
        assertTrue(text.contains("replay it alone with @Replay(\"" + token + "\")\nexit status 0, FINISHED, "), text);
        assertTrue(text.contains("\nmain/1 | sh/2 "), text);
        assertTrue(text.contains("| modprobe kvmgt/"), text);
        assertTrue(text.contains("i915 LIVE"), text);
        assertTrue(Arrays.stream(failure.getSuppressed()).anyMatch(KernelReport.class::isInstance));
    }

    @Test
    void replayPinsOneScheduleAndRunsItAgainTheSame() {
        EngineExecutionResults results = run(Pinned.class);
        results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
        assertEquals(KVMGT_LIVE, results.testEvents().started().stream().findFirst().orElseThrow()
                .getTestDescriptor().getDisplayName());
    }

    @Test
    void aTokenOfAnotherScenarioIsRefused() {
        // "Sz": pid 26 at the first decision, a task this script never has
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(DiscoverySelectors.selectMethod(BadToken.class, "never", Kernel.class.getName()))
                .configurationParameter(Fixture.ENABLED, "true")
                .execute();
        Throwable failure = results.testEvents().failed().stream().findFirst().orElseThrow()
                .getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
        assertInstanceOf(IllegalArgumentException.class, failure);
        assertEquals("replay token Sz does not fit this script and modules", failure.getMessage());
    }

    @Fixture
    @KernelTest
    static class BadToken {
        @ModuleSet
        static List<PluginBuilder> gvt() {
            return SeedSet.gvtRequest();
        }

        @ExploreSchedules(script = {"modprobe kvmgt &", "modprobe i915 &", "wait"})
        @Replay("Sz")
        void never(Kernel kernel) {
        }
    }

    private static EngineExecutionResults run(Class<?> fixture) {
        return EngineTestKit.engine("junit-jupiter")
                .selectors(DiscoverySelectors.selectClass(fixture))
                .configurationParameter(Fixture.ENABLED, "true")
                .execute();
    }
}
