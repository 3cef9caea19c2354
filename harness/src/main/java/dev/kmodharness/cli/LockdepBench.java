package dev.kmodharness.cli;

import dev.kmodharness.Kernel;
import dev.kmodharness.lockdep.DeadlockReport;
import java.util.Locale;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bench lockdep}: how long after a wait-for cycle closes its report reaches a listener.
 * Boots the seed's gvt-request set again and again (virtual clock) and measures, per run, the
 * real time from the closing wait's start to the onDeadlock listener running.
 */
@Command(name = "lockdep", mixinStandardHelpOptions = true,
        description = "Latency from a wait-for cycle closing to its report, over repeated seed runs.")
final class LockdepBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--modules", paramLabel = "DIR", description = "A module set with a cycle (default: gvt-request).")
    Path modules;

    @Option(names = "--warmup", defaultValue = "200", description = "Runs before measuring (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", defaultValue = "1000", description = "Measured runs (default: ${DEFAULT-VALUE}).")
    int runs;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = modules != null ? modules : ReproduceCommand.defaultSet();
        List<Long> latencies = new ArrayList<>();
        for (int i = 0; i < warmup + runs; i++) {
            AtomicLong latency = new AtomicLong(-1);
            try (Kernel kernel = Kernel.builder().modules(dir)
                    .onDeadlock((DeadlockReport r) -> latency.compareAndSet(-1, System.nanoTime() - r.closedRealNanos()))
                    .build()) {
                kernel.modprobe("i915", "enable_gvt=1");
                kernel.awaitIdle();
            }
            if (latency.get() < 0) {
                throw new IllegalStateException("no cycle in " + dir + ": nothing to measure");
            }
            if (i >= warmup) {
                latencies.add(latency.get());
            }
        }
        latencies.sort(null);
        out.printf(Locale.ROOT, "cycle closed -> report delivered, %d runs after %d warm-up: median %.1f us, p99 %.1f us, max %.1f us%n",
                runs, warmup, micros(latencies, 0.5), micros(latencies, 0.99), latencies.get(latencies.size() - 1) / 1e3);
        return 0;
    }

    private static double micros(List<Long> sorted, double quantile) {
        return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(quantile * sorted.size()))) / 1e3;
    }
}
