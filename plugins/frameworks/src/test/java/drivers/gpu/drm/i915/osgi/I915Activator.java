package drivers.gpu.drm.i915.osgi;

import drivers.gpu.drm.i915.I915Pci;
import drivers.gpu.drm.i915.IntelGvt;
import java.nio.file.Path;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** i915 as an OSGi bundle: its activator runs i915's init; modprobe installs and starts kvmgt. */
public final class I915Activator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        IntelGvt.requestModuleWith(() -> {
            try {
                // kvmgt.jar lies next to i915.jar, as kvmgt.ko next to i915.ko.
                String location = Path.of(java.net.URI.create(context.getBundle().getLocation()))
                        .resolveSibling("kvmgt.jar").toUri().toString();
                Bundle kvmgt = context.installBundle(location);
                kvmgt.start();
            } catch (Exception e) {
                System.out.println("modprobe kvmgt: " + e);
            }
        });
        I915Pci.probe();
    }

    @Override
    public void stop(BundleContext context) {
    }
}
