package example;

import static dev.kmodharness.junit.KernelAssertions.assertThat;
import static dev.kmodharness.junit.KernelAssertions.at;
import static dev.kmodharness.junit.PluginBuilder.plugin;

import dev.kmodharness.Kernel;
import dev.kmodharness.junit.KernelTest;
import dev.kmodharness.junit.ModuleSet;
import dev.kmodharness.junit.PluginBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seed's hang (LKML, 2021): i915's init requests kvmgt, and kvmgt needs i915's symbols. */
@KernelTest
class SeedHangTest {

    static final String[] SYMBOLS = {
        "i915_gem_object_set_to_cpu_domain", "intel_ring_begin", "i915_vma_move_to_active", "shmem_unpin_map"};

    @ModuleSet
    static List<PluginBuilder> gvt() {
        return List.of(
                plugin("i915").license("GPL and additional rights").exportsGpl(SYMBOLS).requests("kvmgt"),
                plugin("kvmgt").license("GPL").imports("i915", SYMBOLS));
    }

    @Test
    void kvmgtGivesUpFourTimesThenI915GoesLiveAlone(Kernel kernel) {
        assertThat(kernel).command(kernel.modprobe("i915")).succeeded();

        assertThat(kernel).hasDeadlock("i915 init -> request_module(kvmgt) -> "
                + "kvmgt resolving i915_gem_object_set_to_cpu_domain -> i915 COMING");
        assertThat(kernel).dmesg()
                .containsLine("kvmgt: gave up waiting for init of module i915.", 4)
                .containsLine("kvmgt: Unknown symbol i915_gem_object_set_to_cpu_domain (err -16)", at(31.712))
                .containsLine("kvmgt: Unknown symbol intel_ring_begin (err -16)", at(62.432))
                .containsLine("kvmgt: Unknown symbol i915_vma_move_to_active (err -16)", at(93.152))
                .containsLine("kvmgt: Unknown symbol shmem_unpin_map (err -16)", at(123.872));
        assertThat(kernel).module("i915").isLive().hasNoHolders().hasRefcnt(0);
        assertThat(kernel).module("kvmgt").isNotLoaded();
        assertThat(kernel).isAt(123.872).isIdle();
    }
}
