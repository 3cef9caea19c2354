package drivers.gpu.drm.i915.gvt;

/** drivers/gpu/drm/i915/gvt/kvmgt.c: module_exit of kvmgt (kvmgt_exit); nothing to undo here. */
public final class KvmgtExit {

    private KvmgtExit() {
    }

    /** module_exit. */
    public static void exit() {
    }
}
