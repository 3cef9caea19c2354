package drivers.gpu.drm.i915.gvt;

import dev.kmodharness.api.Kmod;
import drivers.gpu.drm.i915.IntelVgpuOps;

/** drivers/gpu/drm/i915/gvt/kvmgt.c (v5.19): intel_gvt_vgpu_ops, kvmgt's init and clean of a device. */
final class KvmgtOps implements IntelVgpuOps {

    @Override
    public int initDevice(String pciName) {
        Kmod.printk("kvmgt: GVT-g ops registered for device %s", pciName);
        return 0;
    }

    @Override
    public void cleanDevice(String pciName) {
        Kmod.printk("kvmgt: GVT-g ops removed from device %s", pciName);
    }
}
