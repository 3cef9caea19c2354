package dev.kmodharness.explore;

import java.util.ArrayList;
import java.util.List;

/**
 * One distinct outcome of an exploration: how many schedules led to it, and the shortest of them
 * (fewest steps, then the smaller token), whose token replays it.
 */
public final class Outcome {

    private final Run shortest;
    private final long count;
    private final List<String> broken;

    Outcome(Run shortest, long count, List<String> broken) {
        this.shortest = shortest;
        this.count = count;
        this.broken = List.copyOf(broken);
    }

    static Outcome of(Run run, List<Expectation> expectations) {
        List<String> broken = new ArrayList<>();
        for (Expectation e : expectations) {
            if (!e.holds(run)) {
                broken.add(e.line());
            }
        }
        return new Outcome(run, 1, broken);
    }

    /** The same outcome reached again: the count adds up, the shorter schedule stays. */
    Outcome merge(Outcome other) {
        return new Outcome(shorter(shortest, other.shortest), count + other.count, broken);
    }

    private static Run shorter(Run a, Run b) {
        int by = Integer.compare(a.trace().steps().size(), b.trace().steps().size());
        if (by == 0) {
            by = a.token().compareTo(b.token());
        }
        return by <= 0 ? a : b;
    }

    /** How many schedules led here. */
    public long count() {
        return count;
    }

    /** The replay token of the shortest schedule found. */
    public String token() {
        return shortest.token();
    }

    /** The shortest run that led here. */
    public Run run() {
        return shortest;
    }

    /** The {@code --expect} lines this outcome does not show. */
    public List<String> broken() {
        return broken;
    }

    /** Whether this outcome breaks an expectation, hangs or stalls. */
    public boolean bad() {
        return !broken.isEmpty() || shortest.end() != Run.End.FINISHED;
    }
}
