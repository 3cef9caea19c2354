package dev.kmodharness.frameworks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * A child JVM's main: boots whichever OSGi framework is on the class path (Felix or Equinox,
 * through the standard launching API), installs i915 and starts it, as a user's launcher
 * would. Arguments: where to make the framework's storage, i915 bundle, and "eager" (start) or "lazy" (start
 * with the bundle's lazy activation policy, then load one of its classes).
 */
public final class OsgiLaunch {

    private OsgiLaunch() {
    }

    public static void main(String[] args) throws Exception {
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).iterator().next();
        Framework framework = factory.newFramework(Map.of(
                // A storage of its own: a framework restarts the bundles a shared one records.
                Constants.FRAMEWORK_STORAGE, Files.createTempDirectory(Path.of(args[0]), "storage").toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT));
        framework.start();
        Bundle i915 = framework.getBundleContext().installBundle(Path.of(args[1]).toUri().toString());
        System.out.println("insmod i915");
        if (args[2].equals("lazy")) {
            i915.start(Bundle.START_ACTIVATION_POLICY);
            // The first class loaded from a lazy bundle activates it.
            i915.loadClass("drivers.gpu.drm.i915.I915Pci");
        } else {
            i915.start();
        }
        System.out.println("i915: started, state " + i915.getState());
        framework.stop();
        framework.waitForStop(10_000);
    }
}
