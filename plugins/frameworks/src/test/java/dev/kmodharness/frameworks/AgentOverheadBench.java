package dev.kmodharness.frameworks;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The JVM lockdep agent's overhead on starting many bundles in Felix: a benchmark, not a
 * test. Builds N bundles (each with a do-nothing activator) and the agent, then runs Felix
 * installing and starting them all in child JVMs, alternately without and with the agent
 * (default period), and prints each run and the medians. Arguments: bundles (default 1000),
 * runs of each kind (default 7). Run it as the README's plugin-systems section says.
 */
public final class AgentOverheadBench {

    private AgentOverheadBench() {
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Path dir = Files.createTempDirectory("agent-overhead");
        try {
            Path bundles = Files.createDirectories(dir.resolve("bundles"));
            Map<String, byte[]> nop = PluginJars.classes(AgentOverheadBench.class, "dev.kmodharness.frameworks.nop");
            for (int i = 0; i < count; i++) {
                PluginJars.write(bundles.resolve(String.format("b%04d.jar", i)), PluginJars.manifest(
                        "Bundle-ManifestVersion", "2",
                        "Bundle-SymbolicName", "bench.b" + i,
                        "Bundle-Version", "1.0.0",
                        "Bundle-Activator", "dev.kmodharness.frameworks.nop.NopActivator",
                        "Import-Package", "org.osgi.framework"), nop);
            }
            Path agent = PluginJars.agent(dir.resolve("agent.jar"));
            Map<String, byte[]> launchers = new TreeMap<>(PluginJars.classes(AgentOverheadBench.class, "dev.kmodharness.frameworks"));
            launchers.keySet().removeIf(k -> !k.endsWith("/BundleStartLaunch.class"));
            Path launcher = PluginJars.write(dir.resolve("launcher.jar"), PluginJars.manifest(), launchers);
            String classPath = PluginJars.codeSource(org.apache.felix.framework.FrameworkFactory.class) + File.pathSeparator + launcher;

            long[][] alone = new long[runs][];
            long[][] watched = new long[runs][];
            for (int r = 0; r < runs; r++) {
                alone[r] = run(List.of("-cp", classPath, BundleStartLaunch.class.getName(), dir.toString(), bundles.toString()));
                watched[r] = run(List.of("-javaagent:" + agent, "-cp", classPath, BundleStartLaunch.class.getName(),
                        dir.toString(), bundles.toString()));
                System.out.printf("run %d: alone %d ms (cpu %d ms), with the agent %d ms (cpu %d ms)%n",
                        r + 1, alone[r][0], alone[r][1], watched[r][0], watched[r][1]);
            }
            for (int k = 0; k < 2; k++) {
                long a = median(alone, k);
                long w = median(watched, k);
                System.out.printf("Felix, %d bundles installed and started, median of %d runs, %s: alone %d ms, with the agent %d ms: %+.1f%%%n",
                        count, runs, k == 0 ? "elapsed" : "process cpu", a, w, 100.0 * (w - a) / a);
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** One child JVM; the elapsed and CPU milliseconds it reports. */
    private static long[] run(List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(process.getInputStream().readAllBytes());
            process.waitFor();
            for (String line : out.split("\n")) {
                if (line.startsWith("started ")) {
                    return new long[] {
                        Long.parseLong(line.replaceAll(".* in (\\d+) ms.*", "$1")),
                        Long.parseLong(line.replaceAll(".* cpu (\\d+) ms.*", "$1"))};
                }
            }
            throw new IllegalStateException("no timing from the child:\n" + out);
        } finally {
            process.destroyForcibly();
        }
    }

    private static long median(long[][] runs, int k) {
        long[] sorted = Arrays.stream(runs).mapToLong(r -> r[k]).sorted().toArray();
        return sorted[sorted.length / 2];
    }
}
