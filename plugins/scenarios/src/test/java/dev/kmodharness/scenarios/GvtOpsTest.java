package dev.kmodharness.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.module.ModuleState;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * The v5.19 design on the real gvt-ops JARs: i915 never requests kvmgt; kvmgt, loaded after
 * i915 is LIVE, registers its ops with intel_gvt_set_ops. Nothing waits, so it all happens at
 * kernel time 0.
 */
class GvtOpsTest {

    static final String OPS_REGISTERED = "kvmgt: GVT-g ops registered for device 0000:00:02.0";

    private static String firstDmesg;

    @RepeatedTest(10)
    void kvmgtRegistersItsOpsWithLiveI915WithoutWaiting(RepetitionInfo repetition) throws Exception {
        try (Kernel kernel = Kernel.builder().modules(Sets.gvtOps()).build()) {
            Modprobe.Result i915 = kernel.modprobe("i915", "enable_gvt=1");
            assertEquals(new Modprobe.Result(0, List.of()), i915);
            assertEquals(Optional.of(ModuleState.LIVE), kernel.state("i915"));

            Modprobe.Result kvmgt = kernel.modprobe("kvmgt");
            assertEquals(new Modprobe.Result(0, List.of()), kvmgt);
            kernel.awaitIdle();

            assertEquals(Optional.of(ModuleState.LIVE), kernel.state("i915"));
            assertEquals(Optional.of(ModuleState.LIVE), kernel.state("kvmgt"));
            List<Dmesg.Record> dmesg = kernel.dmesgRecords();
            String lines = String.join("\n", kernel.dmesg());
            assertTrue(dmesg.stream().noneMatch(r -> r.text().contains("gave up waiting")), lines);
            assertTrue(dmesg.stream().noneMatch(r -> r.text().contains("Unknown symbol")), lines);
            assertEquals(1, dmesg.stream().filter(r -> r.text().equals(OPS_REGISTERED)).count(), lines);

            String lsmod = Sets.assertKvmgtHoldsI915(kernel);

            // no wait at all: kernel time never left 0
            assertEquals(0, kernel.now());
            assertTrue(dmesg.stream().allMatch(r -> r.nanos() == 0), lines);

            if (repetition.getCurrentRepetition() == 1 || firstDmesg == null) {
                firstDmesg = lines + "\n" + lsmod;
            } else {
                assertEquals(firstDmesg, lines + "\n" + lsmod, "differs from the first repetition");
            }
        }
    }
}
