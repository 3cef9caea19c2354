package drivers.gpu.drm.i915.pci;

import dev.kmodharness.api.Kmod;

/**
 * drivers/gpu/drm/i915/i915_pci.c of the 2021 refactor with one change: the request for kvmgt
 * is deferred to a work item (schedule_work). The worker blocks in request_module while kvmgt
 * waits for i915; i915's init does not, so it goes LIVE and kvmgt links.
 */
public final class I915Pci {

    static {
        if (Kmod.param("enable_gvt", 0) == 1) {
            Kmod.scheduleWork(I915Pci::intelGvtInitWork);
        }
    }

    private I915Pci() {
    }

    /** module_exit (i915_exit): nothing to undo. */
    public static void exit() {
    }

    /** The work item: intel_gvt_init's request, now outside module_init. */
    private static void intelGvtInitWork() {
        Kmod.requestModule("kvmgt");
    }
}
