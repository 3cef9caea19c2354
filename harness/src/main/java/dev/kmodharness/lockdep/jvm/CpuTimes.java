package dev.kmodharness.lockdep.jvm;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;

/**
 * The threads' CPU times, all in one call where HotSpot offers it
 * (com.sun.management.ThreadMXBean): how the sampler tells a thread that waits while
 * RUNNABLE (for a class's initialization) from one that runs.
 */
final class CpuTimes {

    private CpuTimes() {
    }

    /** CPU nanoseconds per thread, -1 where the JVM does not measure it or the thread ended. */
    static long[] of(List<Thread> threads) {
        long[] ids = threads.stream().mapToLong(Thread::getId).toArray();
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx
                && mx.isThreadCpuTimeSupported() && mx.isThreadCpuTimeEnabled()) {
            return mx.getThreadCpuTime(ids);
        }
        long[] none = new long[ids.length];
        Arrays.fill(none, -1);
        return none;
    }
}
