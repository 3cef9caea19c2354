package drivers.gpu.drm.i915.gvt;

import dev.kmodharness.api.ModuleInitException;
import drivers.gpu.drm.i915.I915GemDomain;
import drivers.gpu.drm.i915.I915Vma;
import drivers.gpu.drm.i915.IntelRing;
import drivers.gpu.drm.i915.ShmemUtils;

/**
 * drivers/gpu/drm/i915/gvt/kvmgt.c: module_init of kvmgt as moved out of i915 in the 2021
 * refactor. The GVT-g code links against i915; its imports, in order of first appearance, are
 * the four symbols of the seed's dmesg, so loading kvmgt while i915 is COMING waits on each.
 */
public final class Kvmgt {

    static {
        Object obj = new Object();
        Object rq = new Object();
        int ret = I915GemDomain.i915_gem_object_set_to_cpu_domain(obj, true);
        if (ret == 0) {
            ret = IntelRing.intel_ring_begin(rq, 4);
        }
        if (ret == 0) {
            ret = I915Vma.i915_vma_move_to_active(obj, rq, 0);
        }
        ShmemUtils.shmem_unpin_map(obj, null);
        if (ret != 0) {
            throw new ModuleInitException(ret);
        }
    }

    private Kvmgt() {
    }
}
