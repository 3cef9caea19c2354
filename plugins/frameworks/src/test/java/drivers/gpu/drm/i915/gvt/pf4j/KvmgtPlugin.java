package drivers.gpu.drm.i915.gvt.pf4j;

import drivers.gpu.drm.i915.gvt.Kvmgt;
import org.pf4j.Plugin;
import org.pf4j.PluginWrapper;

/** kvmgt as a PF4J plugin depending on i915: start() runs kvmgt's init. */
public final class KvmgtPlugin extends Plugin {

    public KvmgtPlugin(PluginWrapper wrapper) {
        super(wrapper);
    }

    @Override
    public void start() {
        Kvmgt.init();
    }
}
