package drivers.gpu.drm.i915.gvt;

import drivers.gpu.drm.i915.I915Pci;

/**
 * drivers/gpu/drm/i915/gvt/kvmgt.c: kvmgt's module_init, as a static initializer that calls
 * an i915 export. It prints a line just before the call, the moment the cycle closes.
 */
public final class Kvmgt {

    static {
        System.out.println("kvmgt: calling intel_ring_begin");
        int ret = I915Pci.intel_ring_begin(new Object(), 4);
        System.out.println("kvmgt: init returned " + ret);
    }

    private Kvmgt() {
    }

    /** What each plugin system's entry point calls to run kvmgt's init. */
    public static void init() {
    }
}
