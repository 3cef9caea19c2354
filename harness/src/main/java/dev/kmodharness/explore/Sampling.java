package dev.kmodharness.explore;

import java.util.function.LongFunction;

/**
 * A sampling strategy's schedules: schedule {@code i} (0, 1, ... up to the budget) is chosen by
 * a chooser made from {@code i} alone (seeded from the exploration's seed and {@code i}), so any
 * schedule can be made again, in any order, on any machine; part {@code p} of {@code n} takes
 * the schedules {@code i} with {@code i % n == p}.
 */
final class Sampling implements Strategy {

    private final LongFunction<Chooser> schedule;
    private final long budget;
    private final int parts;
    private long index;

    /** @param schedule makes the chooser of schedule {@code i} */
    Sampling(LongFunction<Chooser> schedule, long budget, int part, int parts) {
        this.schedule = schedule;
        this.budget = budget;
        this.parts = parts;
        this.index = part;
    }

    @Override
    public Chooser next() {
        if (index >= budget) {
            return null;
        }
        Chooser chooser = schedule.apply(index);
        index += parts;
        return chooser;
    }

    @Override
    public boolean finished(Trace trace) {
        return true;
    }

    @Override
    public boolean exhausted() {
        return false;
    }

    /** The seed of schedule {@code i}: SplitMix64 of the exploration's seed and {@code i}. */
    static long seedOf(long seed, long i) {
        long z = seed + (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
