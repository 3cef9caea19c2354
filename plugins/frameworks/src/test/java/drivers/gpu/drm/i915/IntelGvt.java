package drivers.gpu.drm.i915;

/**
 * intel_gvt_init after the 2021 refactor (drivers/gpu/drm/i915/intel_gvt.c): i915's init
 * loads kvmgt, as request_module does, on a "modprobe kvmgt" thread, and waits for it.
 * How kvmgt is loaded is each plugin system's own (install and start a bundle, load and
 * start a plugin, load a module): its entry point says so before i915's init runs.
 */
public final class IntelGvt {

    /** request_module("kvmgt") in this plugin system; written once by the entry point, before init. */
    private static volatile Runnable requestKvmgt;

    private IntelGvt() {
    }

    /** Sets how kvmgt is loaded; the entry point calls it before {@link I915Pci#probe()}. */
    public static void requestModuleWith(Runnable modprobe) {
        requestKvmgt = modprobe;
    }

    /** Runs "modprobe kvmgt" on a thread of its own and waits for it to exit. */
    static void init() {
        Thread modprobe = new Thread(requestKvmgt, "modprobe kvmgt");
        modprobe.start();
        try {
            // Waits for kvmgt's init, which calls into I915Pci, whose initializer is this one.
            modprobe.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
