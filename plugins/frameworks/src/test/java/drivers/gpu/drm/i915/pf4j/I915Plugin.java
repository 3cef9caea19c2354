package drivers.gpu.drm.i915.pf4j;

import drivers.gpu.drm.i915.I915Pci;
import drivers.gpu.drm.i915.IntelGvt;
import org.pf4j.Plugin;
import org.pf4j.PluginManager;
import org.pf4j.PluginWrapper;

/** i915 as a PF4J plugin: start() runs i915's init; modprobe loads and starts kvmgt. */
public final class I915Plugin extends Plugin {

    public I915Plugin(PluginWrapper wrapper) {
        super(wrapper);
    }

    @Override
    public void start() {
        System.out.println("i915: plugin start on thread " + Thread.currentThread().getName());
        PluginManager plugins = getWrapper().getPluginManager();
        IntelGvt.requestModuleWith(() -> {
            String kvmgt = plugins.loadPlugin(getWrapper().getPluginPath().resolveSibling("kvmgt.jar"));
            plugins.startPlugin(kvmgt);
        });
        I915Pci.probe();
    }
}
