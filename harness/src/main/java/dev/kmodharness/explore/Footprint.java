package dev.kmodharness.explore;

import java.util.HashSet;
import java.util.Set;

/**
 * What a step touched, for the partial-order reduction: two steps whose footprints are
 * independent commute, so only one of their orders is explored.
 *
 * <p>The approximation, from what the scheduler and the kernel report as a step runs: a step
 * writes the wait-for graph when it blocks, dmesg when it prints, the pid counter when it starts
 * a task, the task list when it exits. Every step is taken to read every module's state and the module list, so a
 * step that changes a module's state, or wakes any queue (free_module, a load's end, a module
 * going LIVE all wake one), depends on every other step. What it does not see: reference counts
 * taken and dropped by try_module_get/module_put (taken to commute) and the kmod slot count
 * (taken to matter only at kmod_concurrent_max).
 */
final class Footprint {

    /** Depends on every step. */
    private final boolean global;
    /** Objects written. */
    private final Set<String> writes;

    private Footprint(boolean global, Set<String> writes) {
        this.global = global;
        this.writes = writes;
    }

    static Footprint of(Step step) {
        boolean global = false;
        Set<String> writes = new HashSet<>();
        for (Step.Effect e : step.effects()) {
            switch (e.kind()) {
                case STATE, WAKE, TIME -> global = true;
                // A wait may close a cycle of the wait-for graph, which the closing wait reports:
                // every wait touches the graph.
                case WAIT -> writes.add("wait-for graph");
                case PRINTK -> writes.add("dmesg");
                case SPAWN -> writes.add("pids");
                case EXIT -> writes.add("tasks");
                default -> throw new IllegalStateException(e.kind().toString());
            }
        }
        return new Footprint(global, writes);
    }

    /** Whether the two steps commute: neither is global and they write nothing in common. */
    boolean independentOf(Footprint other) {
        if (global || other.global) {
            return false;
        }
        for (String w : writes) {
            if (other.writes.contains(w)) {
                return false;
            }
        }
        return true;
    }
}
