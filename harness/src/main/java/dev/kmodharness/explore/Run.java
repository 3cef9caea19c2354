package dev.kmodharness.explore;

import java.util.List;

/**
 * One run of the scenario under one schedule, as observed once the kernel came to rest.
 *
 * @param trace the schedule taken and what each step did
 * @param status the scenario's exit status (-1 when it did not end)
 * @param out what the scenario wrote to standard output
 * @param err what it wrote to standard error
 * @param states each loaded module with its initstate, "NAME STATE", as /proc/modules lists them
 * @param lsmod lsmod's table at the end
 * @param dmesg dmesg with its stamps
 * @param cycles each cycle lockdep reported, as one chain
 * @param end how the run ended
 * @param report for a stall, the report on the stalled task (first line only: its stack varies)
 */
public record Run(Trace trace, int status, String out, String err, List<String> states, String lsmod,
        List<String> dmesg, List<String> cycles, End end, String report) {

    /** How a run ended. */
    public enum End {
        /** Every task finished. */
        FINISHED,
        /** Every task waits in the kernel with nothing to wake it: hung for good. */
        HUNG,
        /** A task blocked outside the harness (or spun) while it held the CPU. */
        STALLED
    }

    /** The replay token of this run's schedule. */
    public String token() {
        return trace.token();
    }

    /** What makes two runs the same outcome: everything observed but the schedule. */
    String key() {
        StringBuilder key = new StringBuilder();
        key.append("end ").append(end).append('\n');
        key.append("status ").append(status).append('\n');
        key.append("report ").append(report).append('\n');
        key.append("out\n").append(out).append("err\n").append(err);
        key.append("states\n");
        states.forEach(s -> key.append(s).append('\n'));
        key.append("lsmod\n").append(lsmod);
        key.append("dmesg\n");
        dmesg.forEach(s -> key.append(s).append('\n'));
        return key.toString();
    }
}
