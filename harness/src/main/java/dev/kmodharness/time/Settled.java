package dev.kmodharness.time;

/** How a kernel booted with a schedule came to rest, as {@link Scheduler#awaitSettled} sees it. */
public enum Settled {
    /** No task is left. */
    IDLE,
    /** Every task waits in the harness with no deadline: hung for good. */
    HUNG,
    /** The task holding the CPU ran longer than the stall bound without reaching a scheduling point. */
    STALLED
}
