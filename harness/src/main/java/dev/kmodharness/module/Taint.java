package dev.kmodharness.module;

/**
 * Taint from modules, as kernel/module/main.c sets it and kernel/module/tracking.c follows
 * it: module_license_taint_check's TAINT_PROPRIETARY_MODULE.
 */
final class Taint {

    private final ModuleList k;
    /** TAINT_PROPRIETARY_MODULE. Guarded by the kernel lock. */
    private boolean taintedProprietary;

    Taint(ModuleList k) {
        this.k = k;
    }

    /** test_taint(TAINT_PROPRIETARY_MODULE). Lock held. */
    boolean proprietary() {
        return taintedProprietary;
    }

    /** module_license_taint_check: the first non-GPL module taints the kernel. Lock held. */
    void moduleLicenseTaintCheck(Module mod) {
        if (mod.gplCompatible) {
            return;
        }
        if (!taintedProprietary) {
            String license = mod.image.license() == null ? "unspecified" : mod.image.license();
            k.dmesg.printk(mod.name + ": module license '" + license + "' taints kernel.");
            taintedProprietary = true;
        }
        k.tainted.add(dev.kmodharness.panic.Tainted.PROPRIETARY_MODULE);
        k.dmesg.taint();
    }
}
