package drivers.gpu.drm.i915.pci;

import dev.kmodharness.api.Kmod;

/**
 * drivers/gpu/drm/i915/i915_pci.c of the 2021 refactor with one change: the device is probed
 * asynchronously (async_schedule, as driver core does for PROBE_PREFER_ASYNCHRONOUS), and the
 * probe requests kvmgt. Loaded with {@code async_probe=1}, init returns without waiting for
 * the probe and nothing hangs, though the kernel warns about a synchronous request_module from
 * async work. Without it, do_init_module's async_synchronize_full makes init wait for the
 * probe, and the seed's hang is back.
 */
public final class I915Pci {

    static {
        if (Kmod.param("enable_gvt", 0) == 1) {
            Kmod.asyncSchedule(I915Pci::probe);
        }
    }

    private I915Pci() {
    }

    /** module_exit (i915_exit): nothing to undo. */
    public static void exit() {
    }

    /** i915_pci_probe reaching intel_gvt_init, in async context. */
    private static void probe() {
        Kmod.requestModule("kvmgt");
    }
}
