package dev.kmodharness.cli;

import dev.kmodharness.generate.Generator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bench scaling}: the harness loading a DAG of 1,000 and of 6,000 modules (same seed and
 * knobs), alternately; the ratio of the median times against the ratio of module counts. What
 * is timed is {@code bench load}'s harness run: boot (depmod) + modprobe of every module + idle.
 */
@Command(name = "scaling", mixinStandardHelpOptions = true,
        description = "Harness load time of a small and a large generated DAG; prints the time ratio.")
final class ScalingBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--small", defaultValue = "1000", description = "Modules of the small DAG (default: ${DEFAULT-VALUE}).")
    int small;

    @Option(names = "--large", defaultValue = "6000", description = "Modules of the large DAG (default: ${DEFAULT-VALUE}).")
    int large;

    @Option(names = "--classes", defaultValue = "5", description = "Classes per module (default: ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--init-cost", defaultValue = "0", description = "Init busy-loop iterations (default: ${DEFAULT-VALUE}).")
    int initCost;

    @Option(names = "--imports", defaultValue = "3", description = "Mean imports per module (default: ${DEFAULT-VALUE}).")
    int imports;

    @Option(names = "--seed", defaultValue = "1", description = "The seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--rounds", defaultValue = "9", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "3", description = "Rounds before measuring (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--baseline", description = "Also time the plain baseline on both sets, for comparison.")
    boolean baseline;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        BenchSupport.checkRounds(rounds, warmup);
        if (small < 1 || large <= small) {
            throw new IllegalArgumentException("want 1 <= --small < --large, not " + small + " and " + large);
        }
        Generator smallSet = generator(small);
        Generator largeSet = generator(large);
        Path smallDir = BenchSupport.tempDir("scaling-small");
        Path largeDir = BenchSupport.tempDir("scaling-large");
        try {
            Generator.Summary s = smallSet.write(smallDir);
            Generator.Summary l = largeSet.write(largeDir);
            out.printf(Locale.ROOT, "bench scaling: %s vs %s, %d rounds after %d warm-up, alternating (%d cores)%n", smallSet,
                    largeSet, rounds, warmup, Runtime.getRuntime().availableProcessors());
            out.println("  timed: boot (depmod reads and scans every JAR) + modprobe of every module in load order"
                    + " + awaitIdle");
            out.flush();
            List<Long> hs = new ArrayList<>();
            List<Long> hl = new ArrayList<>();
            List<Long> bs = new ArrayList<>();
            List<Long> bl = new ArrayList<>();
            for (int round = 0; round < warmup + rounds; round++) {
                boolean smallFirst = round % 2 == 0;
                for (int leg = 0; leg < 2; leg++) {
                    boolean isSmall = (leg == 0) == smallFirst;
                    Generator.Summary summary = isSmall ? s : l;
                    BenchSupport.settle();
                    long h = BenchSupport.harnessLoad(summary.dir(), summary.plan().names()).total();
                    long b = 0;
                    if (baseline) {
                        BenchSupport.settle();
                        b = BenchSupport.baselineLoad(summary.jars());
                    }
                    if (round >= warmup) {
                        (isSmall ? hs : hl).add(h);
                        (isSmall ? bs : bl).add(b);
                    }
                }
            }
            report(out, "harness ", hs, hl);
            if (baseline) {
                report(out, "baseline", bs, bl);
            }
            out.printf(Locale.ROOT, "time ratio %d/%d modules (harness median): %.2f (module ratio %.2f)%n", large,
                    small, BenchSupport.median(hl) / BenchSupport.median(hs), (double) large / small);
            return 0;
        } finally {
            BenchSupport.deleteTree(smallDir);
            BenchSupport.deleteTree(largeDir);
        }
    }

    private void report(PrintWriter out, String what, List<Long> smallTimes, List<Long> largeTimes) {
        double ms = BenchSupport.median(smallTimes);
        double ml = BenchSupport.median(largeTimes);
        out.printf(Locale.ROOT, "%s %5d modules: median %s, %.1f us/module; rounds (ms): %s%n", what, small,
                BenchSupport.ms(ms), ms / 1e3 / small, BenchSupport.all(smallTimes));
        out.printf(Locale.ROOT, "%s %5d modules: median %s, %.1f us/module; rounds (ms): %s%n", what, large,
                BenchSupport.ms(ml), ml / 1e3 / large, BenchSupport.all(largeTimes));
    }

    private Generator generator(int modules) {
        return Generator.builder().shape(Generator.Shape.DAG).modules(modules).classesPerModule(classes)
                .initCostIterations(initCost).imports(imports).seed(seed).build();
    }
}
