package dev.kmodharness.junit;

import static dev.kmodharness.junit.PluginBuilder.plugin;

import java.util.List;

/** The seed's module set, as PluginBuilder writes it: i915's init requests kvmgt, which needs i915's symbols. */
final class SeedSet {

    static final String[] SYMBOLS = {
        "i915_gem_object_set_to_cpu_domain", "intel_ring_begin", "i915_vma_move_to_active", "shmem_unpin_map"};

    private SeedSet() {
    }

    static List<PluginBuilder> gvtRequest() {
        return List.of(
                plugin("i915").license("GPL and additional rights").exportsGpl(SYMBOLS).requests("kvmgt"),
                plugin("kvmgt").license("GPL").imports("i915", SYMBOLS));
    }
}
