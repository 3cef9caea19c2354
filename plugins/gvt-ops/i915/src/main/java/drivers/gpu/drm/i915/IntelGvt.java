package drivers.gpu.drm.i915;

import dev.kmodharness.api.Errno;
import dev.kmodharness.api.Export;
import java.util.ArrayList;
import java.util.List;

/**
 * drivers/gpu/drm/i915/intel_gvt.c (v5.19): i915's side of GVT-g. i915 keeps its devices and a
 * pointer to the ops kvmgt registers; whichever comes second, device or ops, starts GVT-g on the
 * device. i915 never requests kvmgt: kvmgt links against i915 and registers after i915 is LIVE.
 */
public final class IntelGvt {

    /**
     * intel_gvt_mutex: guards DEVICES, each device's gvtActive and ops. i915's init adds devices
     * on one thread while kvmgt's init and exit set and clear the ops on another. The ops'
     * callbacks run under it, as they do in the kernel.
     */
    private static final Object LOCK = new Object();

    /** intel_gvt_devices; guarded by LOCK. */
    private static final List<Device> DEVICES = new ArrayList<>();

    /** intel_gvt_ops: the registered ops, or null; guarded by LOCK. */
    private static IntelVgpuOps ops;

    private IntelGvt() {
    }

    /**
     * intel_gvt_set_ops: registers kvmgt's ops and starts GVT-g on every device i915 already
     * has. Takes LOCK; may block on it while a device is added or the ops are cleared.
     *
     * @return 0, or -EINVAL when ops are already registered
     */
    @Export(gpl = true)
    public static int intel_gvt_set_ops(IntelVgpuOps newOps) {
        synchronized (LOCK) {
            if (ops != null) {
                return -Errno.EINVAL;
            }
            ops = newOps;
            for (Device device : DEVICES) {
                initDevice(device);
            }
            return 0;
        }
    }

    /**
     * intel_gvt_clear_ops: stops GVT-g on every device and forgets the ops, if they are the
     * registered ones; does nothing otherwise. Takes LOCK.
     */
    @Export(gpl = true)
    public static void intel_gvt_clear_ops(IntelVgpuOps oldOps) {
        synchronized (LOCK) {
            if (ops != oldOps) {
                return;
            }
            for (Device device : DEVICES) {
                cleanDevice(device);
            }
            ops = null;
        }
    }

    /**
     * intel_gvt_init: called from i915's probe, not exported. Adds the device and starts GVT-g
     * on it if kvmgt's ops are already registered. Takes LOCK.
     */
    public static void intel_gvt_init(String pciName, boolean enableGvt) {
        synchronized (LOCK) {
            Device device = new Device(pciName, enableGvt);
            DEVICES.add(device);
            if (ops != null) {
                initDevice(device);
            }
        }
    }

    /** intel_gvt_driver_remove: called from i915's remove, not exported. Takes LOCK. */
    public static void intel_gvt_driver_remove(String pciName) {
        synchronized (LOCK) {
            DEVICES.removeIf(device -> {
                if (!device.pciName.equals(pciName)) {
                    return false;
                }
                if (ops != null) {
                    cleanDevice(device);
                }
                return true;
            });
        }
    }

    /** intel_gvt_init_device: only where i915.enable_gvt=1 asked for GVT-g. Caller holds LOCK. */
    private static void initDevice(Device device) {
        if (device.enableGvt && !device.gvtActive) {
            device.gvtActive = ops.initDevice(device.pciName) == 0;
        }
    }

    /** intel_gvt_clean_device: only where initDevice succeeded. Caller holds LOCK. */
    private static void cleanDevice(Device device) {
        if (device.gvtActive) {
            ops.cleanDevice(device.pciName);
            device.gvtActive = false;
        }
    }

    /** The part of struct drm_i915_private GVT-g needs: the device, its enable_gvt, dev_priv->gvt. */
    private static final class Device {

        final String pciName;
        final boolean enableGvt;
        /** Whether initDevice succeeded and cleanDevice is still due; guarded by LOCK. */
        boolean gvtActive;

        Device(String pciName, boolean enableGvt) {
            this.pciName = pciName;
            this.enableGvt = enableGvt;
        }
    }
}
