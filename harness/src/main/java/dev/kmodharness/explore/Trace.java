package dev.kmodharness.explore;

import java.util.ArrayList;
import java.util.List;

/**
 * What one run did under its schedule: the scheduling points (who could run, who was chosen)
 * and the steps, in order; step {@code i} is the one chosen at point {@code i}.
 */
public final class Trace {

    /** One scheduling point. */
    record Point(int[] runnable, int current, int chosen) {
        boolean decision() {
            return runnable.length > 1;
        }

        boolean preemption() {
            return current != 0 && chosen != current;
        }
    }

    private final List<Point> points;
    private final List<Step> steps;

    Trace(List<Point> points, List<Step> steps) {
        this.points = List.copyOf(points);
        this.steps = List.copyOf(steps);
    }

    List<Point> points() {
        return points;
    }

    /** The steps in the order they ran. */
    public List<Step> steps() {
        return steps;
    }

    /** The replay token of this schedule. */
    public String token() {
        List<int[]> deviations = new ArrayList<>();
        int decision = 0;
        for (Point p : points) {
            if (p.decision()) {
                if (p.chosen() != Chooser.byDefault(p.runnable(), p.current())) {
                    deviations.add(new int[] {decision, p.chosen()});
                }
                decision++;
            }
        }
        return Token.encode(deviations);
    }

    /** How many times a task that could go on was made to wait for another. */
    public int preemptions() {
        return (int) points.stream().filter(Point::preemption).count();
    }

    /** The schedule as a person reads an interleaving: one column per task, the events in order. */
    public String table() {
        return Interleaving.render(this);
    }
}
