package drivers.gpu.drm.i915.pci;

import dev.kmodharness.api.Kmod;

/**
 * drivers/gpu/drm/i915/i915_pci.c of the 2021 refactor with one change: intel_gvt_init asks for
 * kvmgt with request_module_nowait. modprobe kvmgt starts and i915's init returns; kvmgt's load
 * waits until i915 is LIVE, which is at once, and then links.
 */
public final class I915Pci {

    static {
        if (Kmod.param("enable_gvt", 0) == 1) {
            Kmod.requestModuleNowait("kvmgt");
        }
    }

    private I915Pci() {
    }

    /** module_exit (i915_exit): nothing to undo. */
    public static void exit() {
    }
}
