package drivers.gpu.drm.i915.gvt;

import drivers.gpu.drm.i915.I915Pci;

/**
 * drivers/gpu/drm/i915/gvt/kvmgt.c: kvmgt's module_init, as a static initializer that calls
 * an i915 export. It prints a line before it looks up i915's class (where Equinox's lazy
 * activation waits) and one just before the call (where the class's initialization waits).
 */
public final class Kvmgt {

    static {
        System.out.println("kvmgt: loading i915's class");
        // Looked up (not initialized) first, through the plugin system's class loaders, so
        // that the call after the next line is the wait itself.
        Class<?> i915 = I915Pci.class;
        System.out.println("kvmgt: calling intel_ring_begin in " + i915.getSimpleName());
        int ret = I915Pci.intel_ring_begin(new Object(), 4);
        System.out.println("kvmgt: init returned " + ret);
    }

    private Kvmgt() {
    }

    /** What each plugin system's entry point calls to run kvmgt's init. */
    public static void init() {
    }
}
