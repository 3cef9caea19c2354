package drivers.gpu.drm.i915.gvt;

import dev.kmodharness.api.ModuleInitException;
import drivers.gpu.drm.i915.IntelGvt;
import drivers.gpu.drm.i915.IntelVgpuOps;

/**
 * drivers/gpu/drm/i915/gvt/kvmgt.c (v5.19): module_init of kvmgt (kvmgt_init). kvmgt registers
 * its ops with i915, which is LIVE by then because kvmgt links against it; i915 starts GVT-g on
 * the devices it has.
 */
public final class Kvmgt {

    /** intel_gvt_vgpu_ops: what i915 calls for each of its devices. */
    static final IntelVgpuOps OPS = new KvmgtOps();

    static {
        int ret = IntelGvt.intel_gvt_set_ops(OPS);
        if (ret != 0) {
            throw new ModuleInitException(ret);
        }
    }

    private Kvmgt() {
    }
}
