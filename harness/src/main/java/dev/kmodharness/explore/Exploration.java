package dev.kmodharness.explore;

import java.util.List;

/**
 * What an exploration found: its distinct outcomes, in a fixed order (clean ends first, then by
 * status, then hangs and stalls; ties by what was observed), how many schedules it ran, and
 * whether that was every schedule there is (within the strategy's bound).
 *
 * @param outcomes the distinct outcomes
 * @param schedules how many schedules were explored
 * @param exhausted whether the space was exhausted
 * @param bound what "exhausted" is relative to, or why it is not: "dfs, at most 2 preemptions"
 */
public record Exploration(List<Outcome> outcomes, long schedules, boolean exhausted, String bound) {

    /** Whether an outcome breaks an expectation, hangs or stalls: the command exits 1. */
    public boolean failed() {
        return outcomes.stream().anyMatch(Outcome::bad);
    }

    /** The last line: {@code explored N schedules: K outcomes; ...}. */
    public String summary() {
        return "explored " + schedules + " schedule" + (schedules == 1 ? "" : "s") + ": " + outcomes.size()
                + " outcome" + (outcomes.size() == 1 ? "" : "s") + "; space "
                + (exhausted ? "exhausted" : "not exhausted") + " (" + bound + ")";
    }

    /** Every outcome with its replay token, what it shows and its shortest schedule; then the summary. */
    public String render() {
        StringBuilder out = new StringBuilder();
        int i = 0;
        for (Outcome o : outcomes) {
            i++;
            Run run = o.run();
            out.append("outcome ").append(i).append(" of ").append(outcomes.size()).append(": ")
                    .append(o.count()).append(" schedule").append(o.count() == 1 ? "" : "s").append(", ")
                    .append(switch (run.end()) {
                        case FINISHED -> "exit status " + run.status();
                        case HUNG -> "HUNG: every task waits in the kernel and nothing can wake one";
                        case STALLED -> "STALLED: " + run.report();
                    }).append('\n');
            out.append("  replay: ").append(o.token()).append('\n');
            for (String broken : o.broken()) {
                out.append("  BROKEN: expected '").append(broken).append("'\n");
            }
            out.append("  modules: ").append(run.states().isEmpty() ? "none" : String.join(", ", run.states()))
                    .append('\n');
            if (run.cycles().isEmpty()) {
                out.append("  cycles: none\n");
            }
            for (String cycle : run.cycles()) {
                out.append("  cycle: ").append(cycle).append('\n');
            }
            section(out, "stdout", run.out());
            section(out, "stderr", run.err());
            section(out, "dmesg", String.join("\n", run.dmesg()));
            out.append("  shortest schedule: ").append(run.trace().steps().size()).append(" steps, ")
                    .append(run.trace().preemptions()).append(" preemptions\n");
            run.trace().table().lines().forEach(l -> out.append("    ").append(l).append('\n'));
            out.append('\n');
        }
        out.append(summary()).append('\n');
        return out.toString();
    }

    private static void section(StringBuilder out, String name, String text) {
        if (text.isEmpty()) {
            return;
        }
        out.append("  ").append(name).append(":\n");
        text.lines().forEach(l -> out.append("    ").append(l).append('\n'));
    }
}
