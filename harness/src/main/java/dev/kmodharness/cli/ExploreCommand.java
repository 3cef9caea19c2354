package dev.kmodharness.cli;

import dev.kmodharness.explore.Exploration;
import dev.kmodharness.explore.Explorer;
import dev.kmodharness.explore.Run;
import dev.kmodharness.shell.Script;
import dev.kmodharness.shell.Shell;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code explore --modules DIR SCRIPT}: runs the {@code run} command's script under many
 * deterministic schedules and groups the runs by outcome (see {@link Explorer}); {@code --replay
 * TOKEN} runs one schedule and prints what {@code run} prints.
 */
@Command(name = "explore", mixinStandardHelpOptions = true,
        description = {
            "Run a root shell's SCRIPT (as the run command takes it; its & lines are the concurrent tasks) under "
                    + "many deterministic schedules, each on a fresh kernel where one task runs at a time and the "
                    + "strategy picks which at every harness event, and group the runs by outcome: per outcome, how "
                    + "many schedules, a replay token, what it shows and its shortest schedule as a table.",
            "Exit 0 when no outcome breaks an --expect line, hangs or stalls; 1 when one does; 2 for a usage error."})
final class ExploreCommand implements Callable<Integer> {

    private static final Pattern SHARD = Pattern.compile("(\\d+)/(\\d+)");

    @Spec
    CommandSpec spec;

    @Option(names = "--modules", paramLabel = "DIR", required = true,
            description = "The modules directory (like /lib/modules/VERSION); read once.")
    Path modules;

    @Mixin
    KernelOptions kernelOptions;

    @Option(names = "--strategy", paramLabel = "dfs|pct|random", defaultValue = "dfs",
            description = "dfs: every schedule with at most --preemptions preemptions, partial-order reduced "
                    + "(default); pct: probabilistic concurrency testing, --depth; random: a random walk.")
    String strategy;

    @Option(names = "--schedules", paramLabel = "N", defaultValue = "10000",
            description = "The budget: at most N schedules (default: ${DEFAULT-VALUE}).")
    long schedules;

    @Option(names = "--time-limit", paramLabel = "SECONDS", defaultValue = "0",
            description = "Stop after SECONDS of real time (default 0: no limit).")
    double timeLimit;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "The seed of pct and random (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "1",
            description = "Schedules run at once on N threads (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--shard", paramLabel = "I/N",
            description = "Explore only part I (0-based) of N: the N parts add up to the whole exploration.")
    String shard;

    @Option(names = "--preemptions", paramLabel = "K", defaultValue = "2",
            description = "dfs: at most K preemptions per schedule (default: ${DEFAULT-VALUE}).")
    int preemptions;

    @Option(names = "--depth", paramLabel = "D", defaultValue = "3",
            description = "pct: the bug depth aimed at, D-1 priority change points (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--stall", paramLabel = "SECONDS", defaultValue = "2",
            description = "A step running longer than SECONDS of real time (blocked outside the harness or "
                    + "spinning) ends its schedule as stalled (default: ${DEFAULT-VALUE}).")
    double stall;

    @Option(names = "--expect", paramLabel = "LINE",
            description = "A line every outcome must show, as the shell's commands print it: status N, an lsmod "
                    + "row, /sys/module/NAME/initstate:STATE, or a line the script prints (repeatable).")
    List<String> expect = new ArrayList<>();

    @Option(names = "--replay", paramLabel = "TOKEN",
            description = "Run the one schedule of TOKEN and print what run prints, the same bytes every time.")
    String replay;

    @Parameters(index = "0", paramLabel = "SCRIPT", description = "The script file; - reads standard input.")
    String script;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Script parsed = RunCommand.parse(script, err);
        if (parsed == null) {
            return Shell.MALFORMED;
        }
        if (!Explorer.STRATEGIES.contains(strategy)) {
            throw new IllegalArgumentException("--strategy takes dfs, pct or random, not '" + strategy + "'");
        }
        if (!(stall > 0) || !(timeLimit >= 0)) {
            throw new IllegalArgumentException("--stall must be positive and --time-limit not negative");
        }
        Explorer.Builder builder = Explorer.builder()
                .modules(modules)
                .kernel(kernelOptions::configure)
                .scenario(dev.kmodharness.explore.Scenario.script(parsed, Path.of("").toAbsolutePath()))
                .strategy(strategy)
                .schedules(schedules)
                .timeLimit(Duration.ofNanos((long) (timeLimit * 1e9)))
                .seed(seed)
                .jobs(jobs)
                .preemptions(preemptions)
                .depth(depth)
                .stall(Duration.ofNanos((long) (stall * 1e9)))
                .expect(expect.toArray(String[]::new));
        if (shard != null) {
            Matcher m = SHARD.matcher(shard);
            if (!m.matches()) {
                throw new IllegalArgumentException("--shard takes I/N, not '" + shard + "'");
            }
            builder.shard(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }
        kernelOptions.checkScheduled(modules);
        Explorer explorer = builder.build();
        explorer.depmod().warnings().forEach(err::println);
        err.flush();
        if (replay != null) {
            Run run = explorer.replay(replay);
            out.print(run.out());
            out.flush();
            err.print(run.err());
            if (run.end() != Run.End.FINISHED) {
                err.println("kmod-harness: " + (run.end() == Run.End.HUNG
                        ? "hung: every task waits in the kernel and nothing can wake one" : run.report()));
            }
            err.flush();
            return run.end() == Run.End.FINISHED ? run.status() : 1;
        }
        Exploration found = explorer.explore();
        out.print(found.render());
        out.flush();
        return found.failed() ? 1 : 0;
    }
}
