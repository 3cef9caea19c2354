package dev.kmodharness.explore;

import dev.kmodharness.Kernel;
import dev.kmodharness.kmod.Depmod;
import dev.kmodharness.shell.Script;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

/**
 * Explores the interleavings of a concurrent scenario: runs it under many deterministic
 * schedules, each on a fresh kernel booted with a schedule (one task runs at a time, the
 * strategy picks which at every harness event), and groups the runs by outcome.
 *
 * <pre>{@code
 * Exploration found = Explorer.builder()
 *         .modules(dir)
 *         .script(List.of("modprobe kvmgt &", "modprobe i915 enable_gvt=1 &", "wait"))
 *         .build()
 *         .explore();
 * found.outcomes().forEach(o -> System.out.println(o.count() + " " + o.token()));
 * Run again = explorer.replay(found.outcomes().get(0).token());   // the same run, byte for byte
 * }</pre>
 *
 * Strategies: {@code dfs} (the default: exhaustive depth-first search with sleep-set
 * partial-order reduction, at most {@link Builder#preemptions} preemptions), {@code pct}
 * (seeded, {@link Builder#depth}) and {@code random} (seeded). The module images are read once.
 * Immutable; {@link #explore()} and {@link #replay} may be called many times.
 */
public final class Explorer {

    /** The strategies by name. */
    public static final List<String> STRATEGIES = List.of("dfs", "pct", "random");

    private final Depmod depmod;
    private final UnaryOperator<Kernel.Builder> kernel;
    private final Scenario scenario;
    private final String strategy;
    private final long schedules;
    private final Duration timeLimit;
    private final long seed;
    private final int jobs;
    private final int shard;
    private final int shards;
    private final int preemptions;
    private final int depth;
    private final Duration stall;
    private final List<Expectation> expectations;

    private Explorer(Builder b) {
        this.depmod = b.depmod;
        this.kernel = b.kernel;
        this.scenario = b.scenario;
        this.strategy = b.strategy;
        this.schedules = b.schedules;
        this.timeLimit = b.timeLimit;
        this.seed = b.seed;
        this.jobs = b.jobs;
        this.shard = b.shard;
        this.shards = b.shards;
        this.preemptions = b.preemptions;
        this.depth = b.depth;
        this.stall = b.stall;
        this.expectations = b.expectations.stream().map(Expectation::new).toList();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The module index every run boots on (read once). */
    public Depmod depmod() {
        return depmod;
    }

    private ScheduleRunner runner() {
        return new ScheduleRunner(() -> kernel.apply(Kernel.builder().depmod(depmod)), scenario, stall);
    }

    /**
     * Runs the schedules this explorer's strategy, budget and shard give, on {@code jobs}
     * threads, and groups them by outcome. The result is the same for any number of jobs when
     * the space is exhausted (and always for pct and random, which are indexed by schedule).
     */
    public Exploration explore() {
        long deadline = timeLimit.isZero() ? Long.MAX_VALUE : System.nanoTime() + timeLimit.toNanos();
        List<Strategy> strategies = strategies(jobs);
        long jobBudget = strategy.equals("dfs") ? (schedules + jobs - 1) / jobs : Long.MAX_VALUE;
        List<JobResult> results = new ArrayList<>();
        if (jobs == 1) {
            results.add(job(strategies.get(0), jobBudget, deadline, 0));
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
                Thread t = new Thread(r, "explore job");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<JobResult>> futures = new ArrayList<>();
                for (int j = 0; j < jobs; j++) {
                    Strategy s = strategies.get(j);
                    int job = j;
                    futures.add(pool.submit(() -> job(s, jobBudget, deadline, job)));
                }
                for (Future<JobResult> f : futures) {
                    results.add(f.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } finally {
                pool.shutdown();
            }
        }
        Map<String, Outcome> merged = new HashMap<>();
        long count = 0;
        boolean exhausted = true;
        boolean stopped = false;
        for (JobResult r : results) {
            r.outcomes.forEach((key, o) -> merged.merge(key, o, Outcome::merge));
            count += r.count;
            exhausted &= r.exhausted;
            stopped |= r.stopped;
        }
        List<Map.Entry<String, Outcome>> sorted = new ArrayList<>(merged.entrySet());
        sorted.sort(Comparator.<Map.Entry<String, Outcome>>comparingInt(e -> e.getValue().run().end().ordinal())
                .thenComparingInt(e -> e.getValue().run().status())
                .thenComparing(Map.Entry::getKey));
        String bound = switch (strategy) {
            case "dfs" -> "dfs, at most " + preemptions + " preemption" + (preemptions == 1 ? "" : "s")
                    + (exhausted ? "" : stopped ? ", stopped by the time limit" : ", budget of " + schedules + " reached");
            case "pct" -> "pct, depth " + depth + ", seed " + seed + ", " + schedules + " schedules";
            default -> "random, seed " + seed + ", " + schedules + " schedules";
        } + (shards > 1 ? ", shard " + shard + "/" + shards : "");
        return new Exploration(sorted.stream().map(Map.Entry::getValue).toList(), count,
                strategy.equals("dfs") && exhausted, bound);
    }

    /** One strategy per job, for parts {@code shard + shards * j} of {@code shards * jobs}. */
    private List<Strategy> strategies(int jobs) {
        int parts = shards * jobs;
        int steps = strategy.equals("pct") ? probeSteps() : 0;
        List<Strategy> strategies = new ArrayList<>();
        for (int j = 0; j < jobs; j++) {
            int part = shard + shards * j;
            strategies.add(switch (strategy) {
                case "dfs" -> new DepthFirst(preemptions, part, parts, 3);
                case "pct" -> new Sampling(i -> new Pct(Sampling.seedOf(seed, i), depth, steps), schedules, part, parts);
                case "random" -> new Sampling(i -> new RandomWalk(Sampling.seedOf(seed, i)), schedules, part, parts);
                default -> throw new IllegalStateException(strategy);
            });
        }
        return strategies;
    }

    /** The scheduling points of one run, the default schedule's: pct's change points fall among them. */
    private int probeSteps() {
        try (ScheduleRunner probe = runner()) {
            return probe.run(new Replay("S"), "explore probe").trace().points().size();
        }
    }

    /**
     * The schedules one at a time, for a caller that runs each where it wants it (a JUnit test
     * template, one invocation per schedule): each {@code next()} runs the next schedule of this
     * explorer's strategy, budget and shard on the calling thread and returns its run, whose
     * token replays it. The same runs {@link #explore()} counts, in order, on one job.
     */
    public Iterator<Run> runs() {
        Strategy s = strategies(1).get(0);
        ScheduleRunner runner = runner();
        return new Iterator<>() {
            private Run pending;
            private long counted;
            private long index;

            @Override
            public boolean hasNext() {
                while (pending == null && counted < (strategy.equals("dfs") ? schedules : Long.MAX_VALUE)) {
                    Chooser chooser = s.next();
                    if (chooser == null) {
                        break;
                    }
                    Run run = runner.run(chooser, "explore run " + index++);
                    if (s.finished(run.trace())) {
                        counted++;
                        pending = run;
                    }
                }
                if (pending == null) {
                    runner.close(); // the last run is done: its pooled threads end now, not when idle
                }
                return pending != null;
            }

            @Override
            public Run next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Run run = pending;
                pending = null;
                return run;
            }
        };
    }

    /** One job's share: its outcomes by key, how many schedules counted, whether its part was exhausted. */
    private record JobResult(Map<String, Outcome> outcomes, long count, boolean exhausted, boolean stopped) {
    }

    private JobResult job(Strategy s, long budget, long deadline, int job) {
        try (ScheduleRunner runner = runner()) {
            return job(runner, s, budget, deadline, job);
        }
    }

    private JobResult job(ScheduleRunner runner, Strategy s, long budget, long deadline, int job) {
        Map<String, Outcome> outcomes = new HashMap<>();
        long count = 0;
        long runs = 0;
        while (count < budget) {
            if (System.nanoTime() > deadline) {
                return new JobResult(outcomes, count, false, true);
            }
            Chooser chooser = s.next();
            if (chooser == null) {
                break;
            }
            Run run = runner.run(chooser, "explore job " + job + " run " + runs++);
            if (s.finished(run.trace())) {
                count++;
                outcomes.merge(run.key(), Outcome.of(run, expectations), Outcome::merge);
            }
        }
        return new JobResult(outcomes, count, s.exhausted(), false);
    }

    /**
     * Runs the one schedule of {@code token}, as the exploration ran it: the same run, byte for
     * byte, every time.
     *
     * @throws IllegalArgumentException when {@code token} is not a token, or not one of this scenario
     */
    public Run replay(String token) {
        Replay replay = new Replay(token);
        Run run;
        try (ScheduleRunner runner = runner()) {
            run = runner.run(replay, "replay " + token);
        }
        if (replay.mismatch() || !run.token().equals(token)) {
            throw new IllegalArgumentException("replay token " + token + " does not fit this script and modules");
        }
        return run;
    }

    /** Whether {@code run} breaks an expectation given to this explorer. */
    public List<String> broken(Run run) {
        return Outcome.of(run, expectations).broken();
    }

    /** The exploration's configuration: each setting one method; {@link #build()} reads the module images. */
    public static final class Builder {
        private Path modules;
        private Depmod depmod;
        private UnaryOperator<Kernel.Builder> kernel = UnaryOperator.identity();
        private Scenario scenario;
        private String strategy = "dfs";
        private long schedules = 10_000;
        private Duration timeLimit = Duration.ZERO;
        private long seed = 1;
        private int jobs = 1;
        private int shard;
        private int shards = 1;
        private int preemptions = 2;
        private int depth = 3;
        private Duration stall = Duration.ofSeconds(2);
        private final List<String> expectations = new ArrayList<>();

        private Builder() {
        }

        /** The modules directory; its images are read once, at {@link #build()}. */
        public Builder modules(Path dir) {
            this.modules = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** A modules index already read. */
        public Builder depmod(Depmod index) {
            this.depmod = Objects.requireNonNull(index, "index");
            return this;
        }

        /**
         * Configures each run's kernel (built-ins, symbol timeout, deadlock policy, gate...): the
         * builder comes with the modules set; the clock must stay virtual.
         */
        public Builder kernel(UnaryOperator<Kernel.Builder> configure) {
            this.kernel = Objects.requireNonNull(configure, "configure");
            return this;
        }

        /** What runs under each schedule. */
        public Builder scenario(Scenario scenario) {
            this.scenario = Objects.requireNonNull(scenario, "scenario");
            return this;
        }

        /**
         * A root shell's script, as {@code kmod-harness run} takes it; its {@code &} lines are the
         * concurrent tasks. Paths are relative to {@code workDir}.
         *
         * @throws dev.kmodharness.shell.ScriptException when it is malformed
         */
        public Builder script(List<String> lines, Path workDir) throws dev.kmodharness.shell.ScriptException {
            return scenario(Scenario.script(Script.parse(lines), workDir));
        }

        /** {@link #script(List, Path)} relative to the working directory. */
        public Builder script(List<String> lines) throws dev.kmodharness.shell.ScriptException {
            return script(lines, Path.of("").toAbsolutePath());
        }

        /** {@code dfs} (the default), {@code pct} or {@code random}. */
        public Builder strategy(String name) {
            if (!STRATEGIES.contains(name)) {
                throw new IllegalArgumentException("no strategy '" + name + "': dfs, pct or random");
            }
            this.strategy = name;
            return this;
        }

        /**
         * The budget: at most this many schedules (dfs: per shard, shared by the jobs; pct and
         * random: schedules 0 to N-1, split among shards and jobs). 10,000 by default.
         */
        public Builder schedules(long n) {
            if (n < 1) {
                throw new IllegalArgumentException("schedules must be at least 1: " + n);
            }
            this.schedules = n;
            return this;
        }

        /** Stops after this much real time (zero, the default: no limit). */
        public Builder timeLimit(Duration limit) {
            if (limit.isNegative()) {
                throw new IllegalArgumentException("negative time limit: " + limit);
            }
            this.timeLimit = limit;
            return this;
        }

        /** The seed of pct and random (1 by default): the same seed, the same schedules. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Threads running schedules at once (1 by default); schedules share nothing. */
        public Builder jobs(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("jobs must be at least 1: " + n);
            }
            this.jobs = n;
            return this;
        }

        /**
         * Explores part {@code index} (0-based) of {@code count}: a deterministic split; the parts'
         * schedules add up to the whole.
         */
        public Builder shard(int index, int count) {
            if (count < 1 || index < 0 || index >= count) {
                throw new IllegalArgumentException("shard " + index + "/" + count + ": want 0 <= I < N");
            }
            this.shard = index;
            this.shards = count;
            return this;
        }

        /** dfs: at most this many preemptions per schedule (2 by default, as CHESS suggests). */
        public Builder preemptions(int bound) {
            if (bound < 0) {
                throw new IllegalArgumentException("negative preemption bound: " + bound);
            }
            this.preemptions = bound;
            return this;
        }

        /** pct: the bug depth d it aims at (3 by default: d - 1 = 2 change points). */
        public Builder depth(int d) {
            if (d < 1) {
                throw new IllegalArgumentException("pct depth must be at least 1: " + d);
            }
            this.depth = d;
            return this;
        }

        /**
         * How long, in real time, one step may run before its run counts as stalled (a task
         * blocked outside the harness or spinning while it holds the CPU); 2 s by default.
         */
        public Builder stall(Duration bound) {
            if (bound.isNegative() || bound.isZero()) {
                throw new IllegalArgumentException("stall bound must be positive: " + bound);
            }
            this.stall = bound;
            return this;
        }

        /** Lines every outcome should show (see {@code kmod-harness explore --expect}). */
        public Builder expect(String... lines) {
            expectations.addAll(List.of(lines));
            return this;
        }

        /**
         * Reads the module images.
         *
         * @throws IOException when the modules directory cannot be read
         */
        public Explorer build() throws IOException {
            if (scenario == null) {
                throw new IllegalStateException("nothing to explore: call script(...) or scenario(...)");
            }
            if (depmod == null) {
                if (modules == null) {
                    throw new IllegalStateException("no modules directory: call modules(dir)");
                }
                depmod = Depmod.scan(modules);
            }
            return new Explorer(this);
        }
    }
}
