package dev.kmodharness.cli;

import dev.kmodharness.explore.Exploration;
import dev.kmodharness.explore.Explorer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bench explore}: schedules per second of the explorer, on the seed scenario
 * ({@code modprobe i915 enable_gvt=1}) and on the race of {@code modprobe kvmgt &} with
 * {@code modprobe i915 enable_gvt=1 &}, over the gvt-request set: random schedules (a fixed
 * number per round), rounds after warm-up ones, the median; and the heap in use after each
 * round (after a GC), to show that what a schedule leaves behind is collected; and the process's
 * CPU use per round, JIT compiler and GC threads included, to show how much of the cores one job takes.
 */
@Command(name = "explore", mixinStandardHelpOptions = true,
        description = "Schedules per second of explore on the seed scenario and on the kvmgt/i915 race.")
final class ExploreBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--modules", paramLabel = "DIR", description = "The gvt-request set (default: the built one).")
    Path modules;

    @Option(names = "--schedules", defaultValue = "500", description = "Schedules per round (default: ${DEFAULT-VALUE}).")
    int schedules;

    @Option(names = "--rounds", defaultValue = "5", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "2", description = "Rounds before measuring (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--jobs", defaultValue = "1", description = "Threads running schedules (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        BenchSupport.checkRounds(rounds, warmup);
        if (schedules < 1 || jobs < 1) {
            throw new IllegalArgumentException("--schedules and --jobs must be at least 1");
        }
        Path dir = modules != null ? modules : ReproduceCommand.defaultSet();
        bench(out, dir, "seed", List.of("modprobe i915 enable_gvt=1"));
        bench(out, dir, "race", List.of("modprobe kvmgt &", "modprobe i915 enable_gvt=1 &", "wait"));
        return 0;
    }

    private void bench(PrintWriter out, Path dir, String name, List<String> script) throws Exception {
        Explorer explorer = Explorer.builder().modules(dir).script(script).strategy("random")
                .schedules(schedules).jobs(jobs).build();
        List<Long> perSecond = new ArrayList<>();
        List<Long> heap = new ArrayList<>();
        List<Long> cpuPercent = new ArrayList<>();
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        for (int round = 0; round < warmup + rounds; round++) {
            long start = System.nanoTime();
            long cpuStart = processCpuNanos(os);
            Exploration found = explorer.explore();
            long took = System.nanoTime() - start;
            long cpu = processCpuNanos(os) - cpuStart;
            if (found.schedules() != schedules) {
                throw new IllegalStateException("ran " + found.schedules() + " schedules, not " + schedules);
            }
            if (round >= warmup) {
                perSecond.add(Math.round(schedules * 1e9 / took));
                cpuPercent.add(Math.round(100.0 * cpu / took));
                BenchSupport.settle();
                Runtime rt = Runtime.getRuntime();
                heap.add((rt.totalMemory() - rt.freeMemory()) / (1 << 20));
            }
        }
        out.printf("%s: %d schedules a round, %d rounds after %d warm-up, --jobs %d: median %.0f schedules/s "
                + "(rounds: %s); the process's CPU use, in %% of one core: %s; heap in use after each round: %s MiB%n",
                name, schedules, rounds, warmup, jobs, BenchSupport.median(perSecond), perSecond, cpuPercent, heap);
        out.flush();
    }

    /** The JVM's CPU time so far, all threads (JIT and GC included); -1 where the JVM does not say. */
    private static long processCpuNanos(java.lang.management.OperatingSystemMXBean os) {
        return os instanceof com.sun.management.OperatingSystemMXBean hotspot ? hotspot.getProcessCpuTime() : -1;
    }
}
