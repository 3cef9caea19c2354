package dev.kmodharness.frameworks;

import java.nio.file.Path;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;

/**
 * A child JVM's main: a PF4J plugin manager over a plugins directory loads i915 and starts
 * it, as a PF4J application does. Argument: the i915 plugin JAR.
 */
public final class Pf4jLaunch {

    private Pf4jLaunch() {
    }

    public static void main(String[] args) {
        Path i915 = Path.of(args[0]);
        PluginManager plugins = new DefaultPluginManager(i915.getParent());
        String id = plugins.loadPlugin(i915);
        System.out.println("insmod i915");
        System.out.println("i915: " + plugins.startPlugin(id));
        plugins.stopPlugins();
    }
}
