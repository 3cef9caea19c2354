package drivers.gpu.drm.i915;

/**
 * struct intel_vgpu_ops (drivers/gpu/drm/i915/intel_gvt.h, v5.19): what kvmgt hands to i915
 * through intel_gvt_set_ops. i915 calls it for each of its devices under its GVT-g lock.
 */
public interface IntelVgpuOps {

    /** init_device: starts GVT-g on the device; 0 or a negative errno. */
    int initDevice(String pciName);

    /** clean_device: stops GVT-g on a device initDevice succeeded on. */
    void cleanDevice(String pciName);
}
