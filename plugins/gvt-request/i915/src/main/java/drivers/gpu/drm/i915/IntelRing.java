package drivers.gpu.drm.i915;

import dev.kmodharness.api.Export;

/** drivers/gpu/drm/i915/gt/intel_ring.c: the command ring a request writes into. */
public final class IntelRing {

    private IntelRing() {
    }

    /** Reserves {@code numDwords} dwords in the ring of request {@code rq}; 0 or a negative errno. */
    @Export(gpl = true)
    public static int intel_ring_begin(Object rq, int numDwords) {
        return 0;
    }
}
