package dev.kmodharness.explore;

import dev.kmodharness.time.ScheduleControl;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link ScheduleControl} of one run: asks its {@link Chooser} at every point and records
 * the run as a {@link Trace}. Thread-safe: its monitor guards everything (effects may come from
 * module code without the kernel lock; decisions come with it).
 */
final class Recorder implements ScheduleControl {

    private final Chooser chooser;
    private final List<Trace.Point> points = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private List<Step.Effect> effects = new ArrayList<>();
    /** A step chosen at the last point is running. */
    private boolean open;

    Recorder(Chooser chooser) {
        this.chooser = chooser;
    }

    @Override
    public synchronized int next(int finished, String task, int[] runnable, int current) {
        if (finished != 0 && open) {
            Step step = new Step(finished, task, List.copyOf(effects));
            steps.add(step);
            chooser.stepped(points.size() - 1, step);
        }
        effects = new ArrayList<>();
        open = false;
        if (runnable.length == 0) {
            return 0;
        }
        int chosen = chooser.choose(points.size(), runnable, current);
        if (!Chooser.contains(runnable, chosen)) {
            chosen = Chooser.byDefault(runnable, current);
        }
        points.add(new Trace.Point(runnable, current, chosen));
        open = true;
        return chosen;
    }

    @Override
    public synchronized void effect(Kind kind, String subject, int count) {
        effects.add(new Step.Effect(kind, subject, count));
    }

    synchronized Trace trace() {
        return new Trace(points, steps);
    }
}
