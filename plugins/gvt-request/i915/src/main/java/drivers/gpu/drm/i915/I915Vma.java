package drivers.gpu.drm.i915;

import dev.kmodharness.api.Export;

/** drivers/gpu/drm/i915/i915_vma.c: a GEM object's mapping into a GPU address space. */
public final class I915Vma {

    private I915Vma() {
    }

    /** Marks {@code vma} busy until request {@code rq} retires; 0 or a negative errno. */
    @Export(gpl = true)
    public static int i915_vma_move_to_active(Object vma, Object rq, int flags) {
        return 0;
    }
}
