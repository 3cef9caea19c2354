package dev.kmodharness.explore;

/**
 * How schedules are chosen, one after another, for one part of the schedule space (a shard, or
 * one job's share of it). The parts of a space are disjoint and add up to the whole. Not
 * thread-safe: each job has its own.
 */
interface Strategy {

    /** The chooser of the next schedule, or null when this part is done. */
    Chooser next();

    /**
     * The run made with the last chooser ended.
     *
     * @return whether it counts as a schedule of this part (a depth-first run may be redundant,
     *     or belong to another part)
     */
    boolean finished(Trace trace);

    /** Whether every schedule of this part was explored (never, for the sampling strategies). */
    boolean exhausted();
}
