package dev.kmodharness.lockdep;

/** What a wait that closes a cycle in the wait-for graph does. */
public enum DeadlockPolicy {
    /** Print the report and wait on, as the kernel would (out to the timeout, or for ever). */
    REPORT,
    /** Print the report and fail the closing wait at once with -EDEADLK (-35). */
    FAIL_FAST
}
