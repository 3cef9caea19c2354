package dev.kmodharness.time;

/** Which clock the kernel's time runs on. */
public enum ClockMode {
    /**
     * Kernel time advances only when every kernel task is blocked in a harness wait, and then
     * jumps to the earliest deadline: timeouts cost no real time, and runs repeat exactly.
     */
    VIRTUAL,
    /** Kernel time is real elapsed time divided by the time scale. */
    REAL
}
