package dev.kmodharness.explore;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The schedule of a replay token: its recorded decisions, the default everywhere else. */
final class Replay implements Chooser {

    private final Map<Integer, Integer> decisions = new HashMap<>();
    private int decision;
    /** A recorded choice was not runnable: the token is not of this scenario. */
    private boolean mismatch;

    Replay(String token) {
        List<int[]> deviations = Token.decode(token);
        for (int[] d : deviations) {
            decisions.put(d[0], d[1]);
        }
    }

    @Override
    public int choose(int node, int[] runnable, int current) {
        if (runnable.length == 1) {
            return runnable[0];
        }
        Integer pid = decisions.get(decision++);
        if (pid == null) {
            return Chooser.byDefault(runnable, current);
        }
        if (!Chooser.contains(runnable, pid)) {
            mismatch = true;
            return Chooser.byDefault(runnable, current);
        }
        return pid;
    }

    boolean mismatch() {
        return mismatch;
    }
}
