package drivers.gpu.drm.i915;

/**
 * drivers/gpu/drm/i915/i915_pci.c as a JVM plugin's class: its static initializer is i915's
 * module_init, which probes the device, reaches intel_gvt_init and waits there for kvmgt
 * ({@link IntelGvt#init}). kvmgt calls {@link #intel_ring_begin}: a call into this class
 * while its static initializer still runs on the thread waiting for kvmgt.
 */
public final class I915Pci {

    static {
        IntelGvt.init();
    }

    private I915Pci() {
    }

    /** What each plugin system's entry point calls to run i915's init (the static initializer). */
    public static void probe() {
    }

    /** drivers/gpu/drm/i915/gt/intel_ring.c: an export kvmgt links against. */
    public static int intel_ring_begin(Object rq, int numDwords) {
        return 0;
    }
}
