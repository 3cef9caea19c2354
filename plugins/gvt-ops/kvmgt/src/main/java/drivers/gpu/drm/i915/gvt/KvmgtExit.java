package drivers.gpu.drm.i915.gvt;

import drivers.gpu.drm.i915.IntelGvt;

/** drivers/gpu/drm/i915/gvt/kvmgt.c (v5.19): module_exit of kvmgt (kvmgt_exit). */
public final class KvmgtExit {

    private KvmgtExit() {
    }

    /** module_exit: takes kvmgt's ops back from i915, which stops GVT-g on its devices. */
    public static void exit() {
        IntelGvt.intel_gvt_clear_ops(Kvmgt.OPS);
    }
}
