package dev.kmodharness.lockdep;

import java.util.Collection;

/**
 * Something a harness wait waits for, held by the threads that must act before the wait can
 * end: a COMING module (held by the thread running its init), a request_module (held by the
 * modprobe worker), a kmod slot (held by every request holding one). Lockdep's lock class.
 * Its methods are called with the kernel lock held.
 */
public interface Resource {

    /** How a report names it: "i915 COMING", "request_module(kvmgt)". */
    String describe();

    /**
     * The threads holding it. With more than one, the wait can end when any of them acts, so
     * it deadlocks only when all of them wait, in turn, on the waiter.
     */
    Collection<Thread> holders();
}
