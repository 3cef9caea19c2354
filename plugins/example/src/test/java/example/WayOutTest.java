package example;

import static dev.kmodharness.junit.KernelAssertions.assertThat;
import static dev.kmodharness.junit.PluginBuilder.plugin;

import dev.kmodharness.Kernel;
import dev.kmodharness.junit.KernelTest;
import dev.kmodharness.junit.ModuleSet;
import dev.kmodharness.junit.PluginBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A way out: i915 asks for kvmgt with request_module_nowait, so its init returns and kvmgt links
 * at once. FAIL_TEST: should a change bring the cycle back, the test fails with lockdep's report.
 */
@KernelTest(deadlock = KernelTest.Deadlock.FAIL_TEST, failOnLeaks = true)
class WayOutTest {

    Kernel kernel;

    @ModuleSet
    static List<PluginBuilder> gvtNowait() {
        return List.of(
                plugin("i915").license("GPL and additional rights").exportsGpl("intel_ring_begin").requestsNowait("kvmgt"),
                plugin("kvmgt").license("GPL").imports("i915", "intel_ring_begin").exit());
    }

    @Test
    void bothGoLiveWithNoWait() {
        assertThat(kernel).command(kernel.modprobe("i915")).succeeded();
        assertThat(kernel).isIdle().hasNoDeadlock().isAt(0);

        assertThat(kernel).module("i915").isLive().hasHolders("kvmgt").hasRefcnt(1);
        assertThat(kernel).module("kvmgt").isLive().uses("i915");
        assertThat(kernel).dmesg()
                .containsLine("i915: request_module_nowait(kvmgt) returned 0")
                .doesNotContainLine("kvmgt: gave up waiting for init of module i915.");
    }

    @Test
    void kvmgtHoldsI915() {
        kernel.modprobe("i915");
        kernel.awaitIdle();
        assertThat(kernel).returned(kernel.rmmod("i915")).isErrno(-dev.kmodharness.api.Errno.EWOULDBLOCK);
        assertThat(kernel).returned(kernel.rmmod("kvmgt")).isZero();
        assertThat(kernel).module("i915").hasNoHolders().hasRefcnt(0);
    }
}
