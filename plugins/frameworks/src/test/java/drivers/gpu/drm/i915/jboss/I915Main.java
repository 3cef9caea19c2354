package drivers.gpu.drm.i915.jboss;

import drivers.gpu.drm.i915.I915Pci;
import drivers.gpu.drm.i915.IntelGvt;
import org.jboss.modules.Module;
import org.jboss.modules.ModuleLoader;

/**
 * i915 as a JBoss Modules module run as the program (java -jar jboss-modules.jar -mp REPO
 * i915): main runs i915's init; modprobe loads the kvmgt module and initializes its class.
 */
public final class I915Main {

    private I915Main() {
    }

    public static void main(String[] args) {
        ModuleLoader modules = Module.forClass(I915Main.class).getModuleLoader();
        IntelGvt.requestModuleWith(() -> {
            try {
                Module kvmgt = modules.loadModule("kvmgt");
                Class.forName("drivers.gpu.drm.i915.gvt.Kvmgt", true, kvmgt.getClassLoader());
            } catch (Exception e) {
                System.out.println("modprobe kvmgt: " + e);
            }
        });
        System.out.println("insmod i915");
        I915Pci.probe();
        System.out.println("i915: init done");
    }
}
