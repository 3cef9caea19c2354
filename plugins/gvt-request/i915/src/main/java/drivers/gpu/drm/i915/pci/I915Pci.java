package drivers.gpu.drm.i915.pci;

import dev.kmodharness.api.Kmod;

/**
 * drivers/gpu/drm/i915/i915_pci.c: module_init and module_exit of i915, as in the 2021 refactor
 * that moved GVT-g into kvmgt.ko. Probing the device reaches intel_gvt_init, which requests
 * kvmgt synchronously while i915 is still COMING; kvmgt links against i915's symbols, so its
 * load waits 30 s per symbol and fails with -EBUSY, then i915's init carries on.
 */
public final class I915Pci {

    static {
        if (Kmod.param("enable_gvt", 0) == 1) {
            intelGvtInit();
        }
    }

    private I915Pci() {
    }

    /** module_exit (i915_exit): nothing to undo. */
    public static void exit() {
    }

    /**
     * intel_gvt_init (drivers/gpu/drm/i915/intel_gvt.c, refactored): blocks until modprobe
     * kvmgt exits. Its result is ignored, as the refactor's caller went on without GVT-g.
     */
    private static void intelGvtInit() {
        Kmod.requestModule("kvmgt");
    }
}
