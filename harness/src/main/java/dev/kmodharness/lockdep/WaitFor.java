package dev.kmodharness.lockdep;

/**
 * One edge of the wait-for graph: a thread, doing {@code activity}, waits for
 * {@code resource}. E.g. activity "kvmgt resolving intel_ring_begin", resource "i915 COMING".
 */
public record WaitFor(String activity, Resource resource) {
}
