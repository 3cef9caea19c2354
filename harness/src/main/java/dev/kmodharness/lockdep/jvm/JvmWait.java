package dev.kmodharness.lockdep.jvm;

/**
 * One wait the JVM shows for a live thread: {@code waiter} waits for {@code resource}, which
 * {@code owner} holds. The JVM's counterpart of the harness's {@link dev.kmodharness.lockdep.WaitFor}
 * edge, seen from outside the waiting thread.
 *
 * @param waiter the waiting thread
 * @param kind what kind of wait
 * @param resource how a report names what it waits for: "class initialization of
 *     drivers.gpu.drm.i915.I915Pci", "monitor java.lang.Object@1b2c3d", "lock
 *     java.util.concurrent.locks.ReentrantLock$NonfairSync@5e2de80c", "join of thread modprobe kvmgt"
 * @param owner the thread that must act before the wait can end, or null when the JVM does
 *     not say (Object.wait, a Condition, a lock without an exclusive owner)
 */
public record JvmWait(Thread waiter, Kind kind, String resource, Thread owner) {

    /** The waits HotSpot exposes with enough detail to name an owner. */
    public enum Kind {
        /**
         * Waiting for another thread to finish a class's static initializer (JVMS 5.5 step 2).
         * HotSpot shows it only in its thread dump; ThreadMXBean calls the thread RUNNABLE.
         */
        CLASS_INIT,
        /** Entering a synchronized block or method (BLOCKED), or in Object.wait (WAITING). */
        MONITOR,
        /** Parked on a java.util.concurrent lock (an AbstractOwnableSynchronizer). */
        LOCK,
        /** In Thread.join: the joined thread holds the wait until it ends. */
        JOIN
    }
}
