package dev.kmodharness.cli;

import dev.kmodharness.Kernel;
import dev.kmodharness.generate.Baseline;
import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.module.ModuleInfo;
import dev.kmodharness.module.ModuleState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** What the load benchmarks share: the two timed loads, a set in a temporary directory, medians. */
final class BenchSupport {

    /** What {@link #harnessLoad} timed, in nanoseconds. */
    record HarnessTimes(long boot, long total) {
    }

    private BenchSupport() {
    }

    /**
     * The harness's load of a whole set, timed: boot a kernel on {@code dir} (depmod: read and
     * scan every JAR), modprobe every module in {@code order} on the calling thread, then wait
     * until the kernel is idle (nowait requests included). Checked afterwards, untimed: every
     * module of {@code order} is LIVE. The kernel is closed untimed.
     */
    static HarnessTimes harnessLoad(Path dir, List<String> order) throws IOException {
        long start = System.nanoTime();
        Kernel kernel = Kernel.builder().modules(dir).build();
        long booted = System.nanoTime();
        try {
            for (String name : order) {
                Modprobe.Result result = kernel.modprobe(name);
                if (result.status() != 0) {
                    throw new IllegalStateException("modprobe " + name + " failed: " + result.errors());
                }
            }
            if (!kernel.awaitIdle()) {
                throw new IllegalStateException("the kernel hung loading " + dir);
            }
            long end = System.nanoTime();
            checkAllLive(kernel, order);
            return new HarnessTimes(booted - start, end - start);
        } finally {
            kernel.close();
        }
    }

    static void checkAllLive(Kernel kernel, List<String> order) {
        List<ModuleInfo> modules = kernel.modules();
        long live = modules.stream().filter(m -> m.state() == ModuleState.LIVE).count();
        if (live != order.size()) {
            List<String> dmesg = kernel.dmesg();
            throw new IllegalStateException(live + " of " + order.size() + " modules LIVE"
                    + (dmesg.isEmpty() ? "" : "; dmesg: " + dmesg.get(dmesg.size() - 1)));
        }
    }

    /**
     * The baseline's load of the same set, timed: read each JAR's manifest, make its
     * URLClassLoader and the package map, initialize every init class in {@code jars}' order.
     * Checked untimed: every init ran. The loaders are closed untimed.
     */
    static long baselineLoad(List<Path> jars) throws IOException {
        long start = System.nanoTime();
        Baseline baseline = Baseline.load(jars);
        long end = System.nanoTime();
        try {
            if (baseline.initialized().size() != jars.size()) {
                throw new IllegalStateException("baseline: " + baseline.initialized().size() + " of " + jars.size()
                        + " inits ran");
            }
            return end - start;
        } finally {
            baseline.close();
        }
    }

    /** Lets the previous run's class loaders go before the next timed run (not timed). */
    static void settle() {
        System.gc();
        System.gc();
    }

    static Path tempDir(String what) throws IOException {
        return Files.createTempDirectory("kmod-bench-" + what + "-");
    }

    static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // a temporary directory left behind harms nothing
        }
    }

    static double median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }

    static String ms(double nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    static String all(List<Long> values) {
        return String.join(" ", values.stream().map(v -> String.format(Locale.ROOT, "%.0f", v / 1e6)).toList());
    }

    static void checkRounds(int rounds, int warmup) {
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1: " + rounds);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must not be negative: " + warmup);
        }
    }
}
