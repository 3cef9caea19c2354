package dev.kmodharness.frameworks;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * A child JVM's main for the agent's overhead benchmark: boots the OSGi framework on the class
 * path, installs every bundle of a directory, starts them all, and prints how long that took
 * from the start of main and the process's CPU time by then. Arguments: where to make the framework's storage, the bundles.
 */
public final class BundleStartLaunch {

    private BundleStartLaunch() {
    }

    public static void main(String[] args) throws Exception {
        long begin = System.nanoTime();
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).iterator().next();
        Framework framework = factory.newFramework(Map.of(
                Constants.FRAMEWORK_STORAGE, Files.createTempDirectory(Path.of(args[0]), "storage").toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT));
        framework.start();
        BundleContext context = framework.getBundleContext();
        List<Bundle> bundles = new ArrayList<>();
        try (Stream<Path> jars = Files.list(Path.of(args[1]))) {
            for (Path jar : (Iterable<Path>) jars.sorted()::iterator) {
                bundles.add(context.installBundle(jar.toUri().toString()));
            }
        }
        for (Bundle bundle : bundles) {
            bundle.start();
        }
        long ms = (System.nanoTime() - begin) / 1_000_000;
        // CPU time of the whole process (every thread, the JIT's and the agent's too): on a
        // shared machine a steadier measure than elapsed time.
        long cpuMs = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1_000_000;
        System.out.println("started " + bundles.size() + " bundles in " + ms + " ms, process cpu " + cpuMs + " ms");
        framework.stop();
        framework.waitForStop(10_000);
    }
}
