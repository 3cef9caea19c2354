package dev.kmodharness.explore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exhaustive depth-first search of the schedules, stateless (each schedule is a fresh run that
 * replays a prefix), bounded by a number of preemptions as CHESS does (Musuvathi and Qadeer,
 * PLDI 2007: a task that could go on is made to wait at most {@code bound} times; choosing
 * among tasks when the running one blocked or ended is free), iteratively (every schedule with
 * no preemption, then those with one, up to the bound; each level counts the schedules with
 * exactly its number of preemptions), with sleep sets (Godefroid) as
 * the partial-order reduction: after exploring task t at a point, t sleeps in the sibling
 * branches until a step that does not commute with t's ({@link Footprint}) runs, so two orders
 * of commuting steps are explored once.
 *
 * <p>Parts: the space is cut at the {@code cut}-th decision; the distinct prefixes down to it
 * are numbered in the order the search meets them, which every part sees alike, and prefix
 * {@code n} belongs to part {@code n % parts}. Every part runs the search above the cut (one
 * run per prefix) and only its own prefixes below it.
 */
final class DepthFirst implements Strategy {

    /** The preemption bound of the search under way: 0, then 1, ... up to {@code maxBound}. */
    private int bound;
    private final int maxBound;
    private final int part;
    private final int parts;
    private final int cut;

    /** The points of the last run, with what the search knows of each. */
    private final List<Node> path = new ArrayList<>();
    /** How many prefixes the search has met at the cut (or runs that ended above it). */
    private int prefixes;
    private boolean started;
    private boolean exhausted;
    /** The run under way: redundant (sleep-set blocked), below another part's prefix. */
    private boolean redundant;
    private boolean foreign;
    private boolean diverged;
    /** The decision index of the run under way, and whether it reached the cut. */
    private boolean reachedCut;

    /** What the search knows of one point of the current path. */
    private static final class Node {
        int[] runnable;
        int current;
        int chosen;
        /** Preemptions on the path before this point. */
        int preemptions;
        /** Decisions (points with two or more runnable) before this point. */
        int decisions;
        /** Tasks asleep here, with the footprint of the step each would take. */
        Map<Integer, Footprint> sleep;
        /** Tasks explored from here so far, with their step's footprint. */
        final Map<Integer, Footprint> done = new LinkedHashMap<>();
        /** Alternatives here belong to this part. */
        boolean owned;
    }

    DepthFirst(int maxBound, int part, int parts, int cut) {
        this.maxBound = maxBound;
        this.part = part;
        this.parts = parts;
        this.cut = cut;
    }

    @Override
    public Chooser next() {
        if (exhausted) {
            return null;
        }
        if (started && !backtrack()) {
            if (bound == maxBound) {
                exhausted = true;
                return null;
            }
            // Iterative preemption bounding, as CHESS does: every schedule with fewer
            // preemptions first, so the simplest interleavings that show a bug come early.
            bound++;
            path.clear();
            prefixes = 0;
        }
        started = true;
        redundant = false;
        foreign = false;
        diverged = false;
        reachedCut = false;
        int replay = path.size();
        return new Chooser() {
            @Override
            public int choose(int k, int[] runnable, int current) {
                if (k < replay) {
                    Node n = path.get(k);
                    if (!Arrays.equals(n.runnable, runnable) || n.current != current) {
                        diverged = true;
                    }
                    if (n.decisions == cut && n.runnable.length > 1) {
                        reachedCut = true;
                    }
                    return n.chosen;
                }
                return fresh(k, runnable, current);
            }

            @Override
            public void stepped(int k, Step step) {
                if (k < path.size()) {
                    Node n = path.get(k);
                    n.done.put(n.chosen, Footprint.of(step));
                }
            }
        };
    }

    /** A point met for the first time on this path: its sleep set, part, and the default choice. */
    private int fresh(int k, int[] runnable, int current) {
        Node parent = k == 0 ? null : path.get(k - 1);
        Node n = new Node();
        n.runnable = runnable;
        n.current = current;
        if (parent == null) {
            n.sleep = Map.of();
            n.owned = true;
        } else {
            Footprint step = parent.done.get(parent.chosen);
            n.preemptions = parent.preemptions + (parent.current != 0 && parent.chosen != parent.current ? 1 : 0);
            n.decisions = parent.decisions + (parent.runnable.length > 1 ? 1 : 0);
            n.sleep = new LinkedHashMap<>();
            if (step != null && !redundant) {
                parent.sleep.forEach((pid, fp) -> {
                    if (fp.independentOf(step)) {
                        n.sleep.put(pid, fp);
                    }
                });
                parent.done.forEach((pid, fp) -> {
                    if (pid != parent.chosen && fp.independentOf(step)) {
                        n.sleep.put(pid, fp);
                    }
                });
            }
            n.owned = parent.owned && !foreign && !redundant;
        }
        if (n.decisions == cut && runnable.length > 1 && !reachedCut) {
            reachedCut = true;
            if (prefixes++ % parts != part) {
                foreign = true;
                n.owned = false;
            }
        }
        int chosen = -1;
        boolean mustContinue = n.preemptions >= bound && Chooser.contains(runnable, current);
        if (mustContinue) {
            chosen = n.sleep.containsKey(current) ? -1 : current;
        } else if (Chooser.contains(runnable, current) && !n.sleep.containsKey(current)) {
            chosen = current;
        } else {
            for (int pid : runnable) {
                if (!n.sleep.containsKey(pid) && (current == 0 || !Chooser.contains(runnable, current)
                        || n.preemptions < bound)) {
                    chosen = pid;
                    break;
                }
            }
        }
        if (chosen < 0) {
            // Every task that may run here sleeps: this branch repeats one explored before.
            redundant = true;
            n.owned = false;
            chosen = Chooser.byDefault(runnable, current);
        }
        n.chosen = chosen;
        path.add(n);
        return chosen;
    }

    @Override
    public boolean finished(Trace trace) {
        // Runs too short to reach the cut are numbered like prefixes.
        if (!reachedCut && !redundant && !diverged) {
            foreign = prefixes++ % parts != part;
        }
        if (path.size() > trace.points().size()) {
            path.subList(trace.points().size(), path.size()).clear();
        }
        // The schedules with fewer preemptions were counted by the searches with smaller bounds.
        return !redundant && !foreign && !diverged && trace.preemptions() == bound;
    }

    /** Moves the path to the next unexplored choice, deepest first; false when none is left. */
    private boolean backtrack() {
        for (int i = path.size() - 1; i >= 0; i--) {
            Node n = path.get(i);
            if (!n.owned) {
                continue;
            }
            for (int pid : n.runnable) {
                if (n.done.containsKey(pid) || n.sleep.containsKey(pid)) {
                    continue;
                }
                boolean preempts = n.current != 0 && pid != n.current;
                if (preempts && n.preemptions >= bound) {
                    continue;
                }
                n.chosen = pid;
                path.subList(i + 1, path.size()).clear();
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean exhausted() {
        return exhausted;
    }
}
