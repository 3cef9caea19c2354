package dev.kmodharness.time;

/**
 * A task as the lockup detectors and sysrq-t see it, from the scheduler's {@code DetectorView#tasks()}.
 *
 * @param pid its pid in the kernel
 * @param switches harness waits entered so far (a changed count: it reached one in between)
 * @param parked whether it is blocked in a harness wait now
 */
public record TaskState(Thread thread, int pid, long switches, boolean parked) {
}
