package dev.kmodharness.frameworks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's cycle in four real JVM plugin systems, each in a child JVM: i915's init (a
 * static initializer its activator, plugin start or main runs) starts "modprobe kvmgt", which
 * installs and starts kvmgt and is joined; kvmgt's init calls into i915's class, whose
 * initializer is the one waiting. Each system hangs without a word; under the JVM lockdep
 * agent the cycle is named, thread by thread, within two sampling periods of kvmgt's call.
 */
class FrameworksTest {

    private static final long PERIOD_MS = 250;
    /** Generous: on a loaded 2-core machine a framework JVM may take many seconds to start. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /**
     * How long each system alone is watched after the cycle closes: 2 s, or
     * -Dframeworks.silence=60s for the README's longer watch.
     */
    private static final Duration SILENCE = Duration.ofSeconds(Long.parseLong(
            System.getProperty("frameworks.silence", "2s").replace("s", "")));
    private static final String KVMGT_CALLS = "kvmgt: calling intel_ring_begin";
    private static final String I915 = "drivers.gpu.drm.i915.";

    @TempDir
    static Path dir;
    private static Path agent;
    private static Path launcher;

    @BeforeAll
    static void build() {
        agent = PluginJars.agent(dir.resolve("agent/kmod-harness-agent.jar"));
        Map<String, byte[]> launchers = new TreeMap<>(PluginJars.classes(FrameworksTest.class, "dev.kmodharness.frameworks"));
        launchers.keySet().removeIf(k -> !k.matches(".*/(OsgiLaunch|Pf4jLaunch)\\.class"));
        launcher = PluginJars.write(dir.resolve("launcher/launcher.jar"), PluginJars.manifest(), launchers);
    }

    /**
     * The two links of the seed's cycle, as the agent prints them: main waits in i915's init
     * for modprobe, which waits for what {@code modprobeLink} (a regular expression) says.
     */
    private static void assertSeedCycleNamed(String out, String modprobeLink) {
        assertTrue(out.contains("WARNING: possible circular module dependency detected"), out);
        assertTrue(Pattern.compile("#\\d main/\\d+: " + Pattern.quote(I915 + "IntelGvt.init -> join of thread modprobe kvmgt"))
                .matcher(out).find(), out);
        assertTrue(Pattern.compile("#\\d modprobe kvmgt/\\d+: " + modprobeLink).matcher(out).find(), out);
    }

    private static void hangsSilentlyAndIsNamed(String system, List<String> arguments) throws Exception {
        hangsSilentlyAndIsNamed(system, arguments, KVMGT_CALLS, Pattern.quote(I915 + "gvt.Kvmgt.<clinit> -> "
                + "class initialization of " + I915 + "I915Pci"));
    }

    /**
     * Runs the hang twice at once, under the agent and alone. The agent names the cycle by the
     * second of its samples begun after the cycle closed (counted from its verbose sample
     * lines, printed as each sample begins, so a loaded machine that stretches a period does
     * not matter); the wall-clock
     * time from the closing line to the report is printed, for the README. Alone, the system
     * prints nothing after the closing line, and stays hung.
     *
     * @param closes the line printed just before the cycle's last wait begins
     * @param modprobeLink what modprobe kvmgt's link in the report says (a regular expression)
     */
    private static void hangsSilentlyAndIsNamed(String system, List<String> arguments, String closes, String modprobeLink)
            throws Exception {
        List<String> withAgent = new ArrayList<>();
        withAgent.add("-javaagent:" + agent + "=period=" + PERIOD_MS + "ms,verbose");
        withAgent.addAll(arguments);
        try (ChildJvm watched = ChildJvm.java(withAgent); ChildJvm alone = ChildJvm.java(arguments)) {
            int closed = watched.awaitLine(closes, PATIENCE);
            int named = watched.awaitLine("*** DEADLOCK", PATIENCE);
            List<ChildJvm.Line> lines = watched.lines();
            String out = watched.output();
            assertSeedCycleNamed(out, modprobeLink);
            int report = named;
            while (!lines.get(report).text().startsWith("=====")) {
                report--;
            }
            long samples = lines.subList(closed, report).stream().filter(l -> l.text().startsWith("jvm lockdep: sample ")).count();
            // A sample begun before the closing line may already see the cycle: 0 is fine too.
            assertTrue(samples <= 2, system + ": named at the " + samples + "th sample after the cycle closed\n" + out);
            long latencyMs = (lines.get(named).arrived() - lines.get(closed).arrived()) / 1_000_000;

            int aloneClosed = alone.awaitLine(closes, PATIENCE);
            await().during(SILENCE).atMost(SILENCE.plus(PATIENCE))
                    .until(() -> alone.isAlive() && alone.lines().size() == aloneClosed + 1);
            System.out.printf("%s: named at sample %d after the cycle closed, %d ms (period %d ms); alone: silent for %d ms, still hung%n",
                    system, samples, latencyMs, PERIOD_MS, SILENCE.toMillis());
        }
    }

    /**
     * i915 and kvmgt as OSGi bundles (i915 lazy or not); the java arguments that boot the
     * framework of {@code frameworkClass} and start i915.
     */
    private static List<String> osgiArguments(Class<?> frameworkClass, String activation) throws IOException {
        Path bundles = Files.createDirectories(dir.resolve(frameworkClass.getSimpleName() + "-" + activation));
        List<String> i915 = new ArrayList<>(List.of(
                "Bundle-ManifestVersion", "2",
                "Bundle-SymbolicName", "i915",
                "Bundle-Version", "1.0.0",
                "Bundle-Activator", I915 + "osgi.I915Activator",
                "Export-Package", I915.substring(0, I915.length() - 1),
                "Import-Package", "org.osgi.framework"));
        if (activation.equals("lazy")) {
            i915.addAll(List.of("Bundle-ActivationPolicy", "lazy"));
        }
        PluginJars.write(bundles.resolve("i915.jar"), PluginJars.manifest(i915.toArray(String[]::new)),
                PluginJars.classes(FrameworksTest.class, "drivers.gpu.drm.i915", I915 + "osgi"));
        PluginJars.write(bundles.resolve("kvmgt.jar"), PluginJars.manifest(
                "Bundle-ManifestVersion", "2",
                "Bundle-SymbolicName", "kvmgt",
                "Bundle-Version", "1.0.0",
                "Bundle-Activator", I915 + "gvt.osgi.KvmgtActivator",
                "Import-Package", I915.substring(0, I915.length() - 1) + ",org.osgi.framework"),
                PluginJars.classes(FrameworksTest.class, I915 + "gvt", I915 + "gvt.osgi"));
        String classPath = PluginJars.codeSource(frameworkClass) + java.io.File.pathSeparator + launcher;
        return List.of("-cp", classPath, OsgiLaunch.class.getName(),
                bundles.toString(), bundles.resolve("i915.jar").toString(), activation);
    }

    @Test
    void felix() throws Exception {
        hangsSilentlyAndIsNamed("Felix", osgiArguments(org.apache.felix.framework.FrameworkFactory.class, "eager"));
    }

    @Test
    void equinox() throws Exception {
        hangsSilentlyAndIsNamed("Equinox", osgiArguments(org.eclipse.osgi.launch.EquinoxFactory.class, "eager"));
    }

    @Test
    void equinoxLazyActivation() throws Exception {
        // kvmgt's call into i915's class triggers i915's lazy activation, which main is still
        // running: Equinox waits for i915's state-change lock, up to its 30 s timeout.
        hangsSilentlyAndIsNamed("Equinox lazy", osgiArguments(org.eclipse.osgi.launch.EquinoxFactory.class, "lazy"),
                "kvmgt: loading i915's class",
                Pattern.quote("org.eclipse.osgi.container.Module.lockStateChange -> lock "
                        + "java.util.concurrent.locks.ReentrantLock$NonfairSync@") + "[0-9a-f]+");
    }

    @Test
    void pf4j() throws Exception {
        // PF4J starts a plugin's dependencies first: i915, still starting on main, is started
        // again on modprobe's thread, whose call into i915's class closes the cycle.
        hangsSilentlyAndIsNamed("PF4J", pf4jArguments(), "i915: plugin start on thread modprobe kvmgt",
                Pattern.quote(I915 + "pf4j.I915Plugin.start -> class initialization of " + I915 + "I915Pci"));
    }

    @Test
    void jbossModules() throws Exception {
        hangsSilentlyAndIsNamed("JBoss Modules", jbossModulesArguments());
    }

    /** i915 and kvmgt as PF4J plugins; the java arguments that load and start i915. */
    private static List<String> pf4jArguments() {
        Path plugins = dir.resolve("pf4j");
        PluginJars.write(plugins.resolve("i915.jar"), PluginJars.manifest(
                "Plugin-Id", "i915",
                "Plugin-Version", "1.0.0",
                "Plugin-Class", I915 + "pf4j.I915Plugin"),
                PluginJars.classes(FrameworksTest.class, "drivers.gpu.drm.i915", I915 + "pf4j"));
        PluginJars.write(plugins.resolve("kvmgt.jar"), PluginJars.manifest(
                "Plugin-Id", "kvmgt",
                "Plugin-Version", "1.0.0",
                "Plugin-Class", I915 + "gvt.pf4j.KvmgtPlugin",
                "Plugin-Dependencies", "i915"),
                PluginJars.classes(FrameworksTest.class, I915 + "gvt", I915 + "gvt.pf4j"));
        String classPath = String.join(java.io.File.pathSeparator,
                PluginJars.codeSource(org.pf4j.PluginManager.class).toString(),
                PluginJars.codeSource(org.slf4j.Logger.class).toString(),
                PluginJars.codeSource(com.github.zafarkhaja.semver.Version.class).toString(),
                launcher.toString());
        return List.of("-cp", classPath, Pf4jLaunch.class.getName(), plugins.resolve("i915.jar").toString());
    }

    /** i915 and kvmgt as JBoss Modules modules; the java arguments that run i915. */
    private static List<String> jbossModulesArguments() throws IOException {
        Path repo = dir.resolve("jboss-modules");
        module(repo, "i915", List.of("org.jboss.modules"), "drivers.gpu.drm.i915.jboss.I915Main",
                PluginJars.classes(FrameworksTest.class, "drivers.gpu.drm.i915", I915 + "jboss"));
        module(repo, "kvmgt", List.of("i915"), null, PluginJars.classes(FrameworksTest.class, I915 + "gvt"));
        return List.of("-jar", PluginJars.codeSource(org.jboss.modules.Module.class).toString(),
                "-mp", repo.toString(), "i915");
    }

    /** A JBoss Modules module: REPO/NAME/main/module.xml and its JAR beside it. */
    private static void module(Path repo, String name, List<String> dependencies, String mainClass,
            Map<String, byte[]> classes) throws IOException {
        Path main = Files.createDirectories(repo.resolve(name).resolve("main"));
        PluginJars.write(main.resolve(name + ".jar"), PluginJars.manifest(), classes);
        StringBuilder xml = new StringBuilder("<module xmlns=\"urn:jboss:module:1.9\" name=\"" + name + "\">\n");
        if (mainClass != null) {
            xml.append("  <main-class name=\"").append(mainClass).append("\"/>\n");
        }
        xml.append("  <resources>\n    <resource-root path=\"").append(name).append(".jar\"/>\n  </resources>\n");
        xml.append("  <dependencies>\n");
        for (String d : dependencies) {
            xml.append("    <module name=\"").append(d).append("\"/>\n");
        }
        xml.append("  </dependencies>\n</module>\n");
        Files.writeString(main.resolve("module.xml"), xml);
    }
}
