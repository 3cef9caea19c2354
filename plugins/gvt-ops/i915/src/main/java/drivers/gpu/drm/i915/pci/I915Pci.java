package drivers.gpu.drm.i915.pci;

import dev.kmodharness.api.Kmod;
import drivers.gpu.drm.i915.IntelGvt;

/**
 * drivers/gpu/drm/i915/i915_pci.c (v5.19): module_init and module_exit of i915. Probing the one
 * device adds it to i915's GVT-g list and prints nothing; i915 never requests kvmgt, whose own
 * init registers its ops once i915 is LIVE.
 */
public final class I915Pci {

    /** The integrated GPU's PCI address, the device this i915 drives. */
    private static final String PCI_NAME = "0000:00:02.0";

    static {
        IntelGvt.intel_gvt_init(PCI_NAME, Kmod.param("enable_gvt", 0) == 1);
    }

    private I915Pci() {
    }

    /** module_exit (i915_exit): the driver's remove takes the device off the GVT-g list. */
    public static void exit() {
        IntelGvt.intel_gvt_driver_remove(PCI_NAME);
    }
}
