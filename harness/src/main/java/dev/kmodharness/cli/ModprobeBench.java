package dev.kmodharness.cli;

import dev.kmodharness.Kernel;
import dev.kmodharness.generate.Baseline;
import dev.kmodharness.generate.Generator;
import dev.kmodharness.kmod.Modprobe;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bench modprobe --threads 1,2}: parallel modprobe on one kernel. A wide set (a base and
 * leaves importing it); per round and thread count a fresh kernel is booted and the base loaded
 * (untimed), then T threads each modprobe their share of the leaves (leaf i goes to thread
 * i mod T); timed from the threads' start to the last modprobe's return and the kernel idle.
 */
@Command(name = "modprobe", mixinStandardHelpOptions = true,
        description = "1 vs N threads of parallel modprobe of a wide set's leaves on one kernel; medians and speedup.")
final class ModprobeBench implements Callable<Integer> {

    /** About 0.3 ms of CPU per init on this project's machine. */
    static final int DEFAULT_INIT_COST = 20_000;

    @Spec
    CommandSpec spec;

    @Mixin
    SetOptions set;

    @Option(names = "--threads", paramLabel = "T,T...", split = ",", defaultValue = "1,2",
            description = "Thread counts to compare; the first is the reference (default: ${DEFAULT-VALUE}).")
    List<Integer> threads;

    @Option(names = "--rounds", defaultValue = "10", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "5", description = "Rounds before measuring (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--baseline", description = "Also time the plain baseline (URLClassLoader per JAR) initializing "
            + "the leaves with the same threads: what the JVM itself allows.")
    boolean baseline;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        BenchSupport.checkRounds(rounds, warmup);
        for (int t : threads) {
            if (t < 1 || t > 256) {
                throw new IllegalArgumentException("--threads takes counts between 1 and 256, not " + t);
            }
        }
        if (set.top) {
            throw new IllegalArgumentException("--top makes no sense here: the threads load the leaves");
        }
        // Each init does some work by default, as a driver's probe does: with none, what is left
        // to run in parallel is class definition, which HotSpot serializes (README, Benchmarks).
        Generator generator = set.generator("wide", 1000, DEFAULT_INIT_COST);
        if (generator.plan().nodes().size() < 2) {
            throw new IllegalArgumentException("a wide set of at least 2 modules is needed");
        }
        Path dir = BenchSupport.tempDir("modprobe");
        try {
            Generator.Summary summary = generator.write(dir);
            List<String> names = summary.plan().names();
            // the base (m0000, when the leaves import it) is loaded before timing; the rest are leaves
            String base = names.get(0);
            List<String> leaves = names.subList(1, names.size());
            out.printf(Locale.ROOT, "bench modprobe: %s, threads %s, %d rounds after %d warm-up (%d cores)%n", generator, threads,
                    rounds, warmup, Runtime.getRuntime().availableProcessors());
            out.printf(Locale.ROOT, "  timed: T threads each modprobe their share of the %d leaves on one kernel (booted, %s loaded,"
                    + " untimed), to the last return + awaitIdle%n", leaves.size(), base);
            out.flush();
            Map<Integer, List<Long>> times = new LinkedHashMap<>();
            threads.forEach(t -> times.put(t, new ArrayList<>()));
            Map<Integer, List<Long>> plain = new LinkedHashMap<>();
            threads.forEach(t -> plain.put(t, new ArrayList<>()));
            for (int round = 0; round < warmup + rounds; round++) {
                List<Integer> order = new ArrayList<>(threads);
                if (round % 2 == 1) {
                    java.util.Collections.reverse(order);
                }
                for (int t : order) {
                    BenchSupport.settle();
                    long nanos = run(dir, base, leaves, t);
                    long plainNanos = 0;
                    if (baseline) {
                        BenchSupport.settle();
                        plainNanos = runBaseline(summary.jars(), base, leaves, t);
                    }
                    if (round >= warmup) {
                        times.get(t).add(nanos);
                        plain.get(t).add(plainNanos);
                    }
                }
            }
            double reference = BenchSupport.median(times.get(threads.get(0)));
            for (Map.Entry<Integer, List<Long>> entry : times.entrySet()) {
                double median = BenchSupport.median(entry.getValue());
                out.printf(Locale.ROOT, "%d thread%s: median %s, %.1f us/leaf; rounds (ms): %s%n", entry.getKey(),
                        entry.getKey() == 1 ? " " : "s", BenchSupport.ms(median), median / 1e3 / leaves.size(),
                        BenchSupport.all(entry.getValue()));
            }
            if (baseline) {
                for (Map.Entry<Integer, List<Long>> entry : plain.entrySet()) {
                    double median = BenchSupport.median(entry.getValue());
                    out.printf(Locale.ROOT, "baseline %d thread%s: median %s; rounds (ms): %s%n", entry.getKey(),
                            entry.getKey() == 1 ? " " : "s", BenchSupport.ms(median), BenchSupport.all(entry.getValue()));
                }
                for (int t : threads.subList(1, threads.size())) {
                    out.printf(Locale.ROOT, "baseline speedup %d vs %d threads (median): %.2fx%n", t, threads.get(0),
                            BenchSupport.median(plain.get(threads.get(0))) / BenchSupport.median(plain.get(t)));
                }
                for (int t : threads) {
                    out.printf(Locale.ROOT, "harness/baseline median, %d thread%s: %.2f%n", t, t == 1 ? "" : "s",
                            BenchSupport.median(times.get(t)) / BenchSupport.median(plain.get(t)));
                }
            }
            for (int t : threads.subList(1, threads.size())) {
                out.printf(Locale.ROOT, "speedup %d vs %d threads (median): %.2fx%n", t, threads.get(0),
                        reference / BenchSupport.median(times.get(t)));
            }
            return 0;
        } finally {
            BenchSupport.deleteTree(dir);
        }
    }

    /** The baseline's part: loaders made and the base initialized untimed; the leaves' inits timed. */
    private static long runBaseline(List<Path> jars, String base, List<String> leaves, int threads) throws Exception {
        try (Baseline plain = Baseline.open(jars)) {
            plain.initialize(base);
            return parallel(threads, leaves, plain::initialize);
        }
    }

    /** Runs {@code load} on every leaf, leaf i on thread i mod T; the time from the start to the last return. */
    private static long parallel(int threads, List<String> leaves, java.util.function.Consumer<String> load)
            throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int share = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int i = share; i < leaves.size(); i += threads) {
                        load.accept(leaves.get(i));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "bench modprobe " + t);
            worker.start();
            workers.add(worker);
        }
        start.await();
        long begin = System.nanoTime();
        for (Thread worker : workers) {
            worker.join();
        }
        long nanos = System.nanoTime() - begin;
        if (failure.get() != null) {
            throw new IllegalStateException(failure.get().getMessage(), failure.get());
        }
        return nanos;
    }

    private static long run(Path dir, String base, List<String> leaves, int threads) throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            Modprobe.Result first = kernel.modprobe(base);
            if (first.status() != 0) {
                throw new IllegalStateException("modprobe " + base + " failed: " + first.errors());
            }
            long nanos = parallel(threads, leaves, leaf -> {
                Modprobe.Result result = kernel.modprobe(leaf);
                if (result.status() != 0) {
                    throw new IllegalStateException("modprobe " + leaf + ": " + result.errors());
                }
            });
            long idle = System.nanoTime();
            if (!kernel.awaitIdle()) {
                throw new IllegalStateException("the kernel hung");
            }
            nanos += System.nanoTime() - idle;
            List<String> all = new ArrayList<>(leaves);
            all.add(base);
            BenchSupport.checkAllLive(kernel, all);
            return nanos;
        }
    }
}
