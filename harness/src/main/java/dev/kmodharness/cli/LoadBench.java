package dev.kmodharness.cli;

import dev.kmodharness.generate.Generator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bench load}: the harness against a plain JVM plugin system loading the same generated
 * set, alternately in one JVM. Harness, timed: boot a kernel on the set (depmod reads and scans
 * every JAR), modprobe every module in load order, wait until idle. Baseline, timed: open every
 * JAR's manifest, one URLClassLoader per JAR delegating by a package map, initialize every init
 * class in the same order.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Load a generated set with the harness and with a plain URLClassLoader-per-JAR baseline, "
                + "alternately; print both medians and their ratio.")
final class LoadBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SetOptions set;

    @Option(names = "--rounds", defaultValue = "10", description = "Measured rounds, each loading with both (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "3", description = "Rounds before measuring (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--dir", paramLabel = "DIR", description = "Generate the set into DIR (created, must be empty) and keep it; "
            + "default: a temporary directory, removed afterwards.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        BenchSupport.checkRounds(rounds, warmup);
        Generator generator = set.generator("dag", 1000);
        Path where = dir;
        if (where != null) {
            GenerateCommand.prepare(where, false);
        } else {
            where = BenchSupport.tempDir("load");
        }
        try {
            Generator.Summary summary = generator.write(where);
            List<String> order = summary.plan().names();
            List<Path> jars = summary.jars();
            out.printf(Locale.ROOT, "bench load: %s, %d rounds after %d warm-up, alternating in one JVM (%d cores)%n", generator,
                    rounds, warmup, Runtime.getRuntime().availableProcessors());
            out.println("  harness timed:  Kernel.builder().modules(DIR).build() (depmod reads and scans every JAR)"
                    + " + modprobe of every module in load order + awaitIdle");
            out.println("  baseline timed: read every JAR's manifest + one URLClassLoader per JAR (package map of"
                    + " Module-Exports) + Class.forName(Module-Init, true) in the same order");
            out.flush();
            List<Long> harness = new ArrayList<>();
            List<Long> boots = new ArrayList<>();
            List<Long> baseline = new ArrayList<>();
            for (int round = 0; round < warmup + rounds; round++) {
                long h = 0;
                long b = 0;
                long boot = 0;
                for (int leg = 0; leg < 2; leg++) {
                    BenchSupport.settle();
                    if ((leg == 0) == (round % 2 == 0)) {
                        BenchSupport.HarnessTimes times = BenchSupport.harnessLoad(where, order);
                        h = times.total();
                        boot = times.boot();
                    } else {
                        b = BenchSupport.baselineLoad(jars);
                    }
                }
                if (round >= warmup) {
                    harness.add(h);
                    boots.add(boot);
                    baseline.add(b);
                }
            }
            double hm = BenchSupport.median(harness);
            double bm = BenchSupport.median(baseline);
            int n = order.size();
            out.printf(Locale.ROOT, "harness  median %s (boot %s), %.1f us/module; rounds (ms): %s%n",
                    BenchSupport.ms(hm), BenchSupport.ms(BenchSupport.median(boots)), hm / 1e3 / n,
                    BenchSupport.all(harness));
            out.printf(Locale.ROOT, "baseline median %s, %.1f us/module; rounds (ms): %s%n", BenchSupport.ms(bm),
                    bm / 1e3 / n, BenchSupport.all(baseline));
            out.printf(Locale.ROOT, "ratio harness/baseline median: %.2f%n", hm / bm);
            return 0;
        } finally {
            if (dir == null) {
                BenchSupport.deleteTree(where);
            }
        }
    }
}
