package drivers.gpu.drm.i915.gvt.osgi;

import drivers.gpu.drm.i915.gvt.Kvmgt;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** kvmgt as an OSGi bundle: its activator runs kvmgt's init. */
public final class KvmgtActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        Kvmgt.init();
    }

    @Override
    public void stop(BundleContext context) {
    }
}
