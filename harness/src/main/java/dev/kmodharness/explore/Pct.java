package dev.kmodharness.explore;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS
 * 2010): each task gets a random priority when it first shows up, above {@code depth - 1};
 * {@code depth - 1} change points are drawn among the {@code steps} points a run is expected to
 * have; at the j-th change point the task that ran the last step drops to priority j. The
 * highest-priority runnable task always runs. A bug of depth d is found by one schedule with
 * probability at least 1/(n k^(d-1)) for n tasks and k steps.
 */
final class Pct implements Chooser {

    private final SplittableRandom random;
    private final int depth;
    /** Priorities by pid; initial ones are at least depth. */
    private final Map<Integer, Double> priority = new HashMap<>();
    /** The change points: point index to the priority the running task drops to. */
    private final Map<Integer, Integer> changes = new HashMap<>();
    private int last;

    /**
     * @param depth the bug depth d it aims at (d - 1 change points)
     * @param steps about how many points a run has (from a default run)
     */
    Pct(long seed, int depth, int steps) {
        this.random = new SplittableRandom(seed);
        this.depth = depth;
        for (int j = 1; j < depth; j++) {
            changes.putIfAbsent(random.nextInt(Math.max(1, steps)), depth - j);
        }
    }

    @Override
    public int choose(int node, int[] runnable, int current) {
        Integer drop = changes.get(node);
        if (drop != null && last != 0) {
            priority.put(last, (double) drop);
        }
        int best = runnable[0];
        double bestPriority = -1;
        for (int pid : runnable) {
            double p = priority.computeIfAbsent(pid, x -> depth + random.nextDouble());
            if (p > bestPriority) {
                best = pid;
                bestPriority = p;
            }
        }
        last = best;
        return best;
    }
}
