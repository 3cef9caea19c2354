package dev.kmodharness.explore;

import java.util.SplittableRandom;

/** Random walk: at every decision, a runnable task chosen uniformly, from a seeded generator. */
final class RandomWalk implements Chooser {

    private final SplittableRandom random;

    RandomWalk(long seed) {
        this.random = new SplittableRandom(seed);
    }

    @Override
    public int choose(int node, int[] runnable, int current) {
        return runnable.length == 1 ? runnable[0] : runnable[random.nextInt(runnable.length)];
    }
}
