package example;

import static dev.kmodharness.junit.KernelAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kmodharness.Kernel;
import dev.kmodharness.explore.Run;
import dev.kmodharness.junit.ExploreSchedules;
import dev.kmodharness.junit.KernelTest;
import dev.kmodharness.junit.ModuleSet;
import dev.kmodharness.junit.PluginBuilder;
import dev.kmodharness.junit.Replay;
import java.util.List;

/**
 * The user types {@code modprobe kvmgt} while i915 loads (the seed's set): a race, explored over
 * its schedules. One invocation per distinct outcome, named by its replay token.
 */
@KernelTest
class ExploredRaceTest {

    @ModuleSet
    static List<PluginBuilder> gvt() {
        return SeedHangTest.gvt();
    }

    @ExploreSchedules(script = {"modprobe kvmgt &", "modprobe i915 &", "wait"}, schedules = 60)
    void whateverTheScheduleNothingHangsAndI915EndsLive(Kernel kernel, Run run) {
        assertEquals(Run.End.FINISHED, run.end());
        assertThat(kernel).module("i915").isLive();
    }

    /** One outcome, pinned: the user's modprobe finds i915 LIVE at 120 s and loads kvmgt. */
    @ExploreSchedules(script = {"modprobe kvmgt &", "modprobe i915 &", "wait"})
    @Replay("S10e2c")
    void theUsersModprobeLoadsKvmgtOnceI915IsLive(Kernel kernel) {
        assertThat(kernel).module("i915").isLive().hasHolders("kvmgt").hasRefcnt(1);
        assertThat(kernel).module("kvmgt").isLive().uses("i915");
        assertThat(kernel).dmesg().containsLine("kvmgt: gave up waiting for init of module i915.", 4);
        assertThat(kernel).isAt(123.872);
    }
}
