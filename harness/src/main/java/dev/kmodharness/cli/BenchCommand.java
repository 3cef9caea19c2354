package dev.kmodharness.cli;

import picocli.CommandLine.Command;

/** {@code bench}: benchmarks of the harness itself. Timing claims live here, never in tests. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks of the harness itself.",
        subcommands = {LockdepBench.class, LoadBench.class, ModprobeBench.class, ScalingBench.class,
                ExploreBench.class})
final class BenchCommand {
}
