package dev.kmodharness.time;

import java.util.ArrayList;
import java.util.List;

/**
 * wait_queue_head_t: the threads blocked in {@link Scheduler#waitEvent} on one queue, woken
 * together by {@link Scheduler#wakeUpAll}. Guarded by the scheduler's lock: every method of
 * this class is called with it held.
 */
public final class WaitQueue {

    private final String name;

    /** Guarded by the scheduler's lock. */
    final List<Waiter> waiters = new ArrayList<>();

    public WaitQueue(String name) {
        this.name = name;
    }

    @Override
    public String toString() {
        return name;
    }
}
