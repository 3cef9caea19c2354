package dev.kmodharness.lockdep.jvm;

import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What the JVM shows of its threads' waits, read from outside: ThreadMXBean for monitors,
 * java.util.concurrent locks and Thread.join, HotSpot's thread dump for class
 * initialization. Holds no state; the sampler ({@link JvmLockdep}) calls the parts it needs.
 */
public final class JvmWaits {

    private JvmWaits() {
    }

    /**
     * One sample of the waits of the live threads {@code which} accepts: every thread that is
     * blocked on a monitor, parked on a lock, in Thread.join, or waiting for another thread's
     * static initializer. Takes a thread dump (a safepoint): for a cheap check, see
     * {@link JvmLockdep}.
     */
    public static List<JvmWait> sample(Predicate<Thread> which) {
        Map<Long, Thread> live = liveThreads();
        List<Thread> chosen = new ArrayList<>();
        for (Thread t : live.values()) {
            if (which.test(t)) {
                chosen.add(t);
            }
        }
        ThreadInfo[] infos = threadInfos(chosen);
        ThreadDump dump = ThreadDump.take();
        Threads threads = new Threads(live);
        List<JvmWait> waits = new ArrayList<>();
        for (int i = 0; i < chosen.size(); i++) {
            JvmWait wait = lockWait(chosen.get(i), infos[i], threads);
            if (wait == null) {
                wait = classInitWait(chosen.get(i), dump, live);
            }
            if (wait != null) {
                waits.add(wait);
            }
        }
        return waits;
    }

    /** The live platform threads by Java thread id; no safepoint, unlike getAllStackTraces. */
    static Map<Long, Thread> liveThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] all = new Thread[root.activeCount() + 16];
        int n;
        while ((n = root.enumerate(all, true)) == all.length) {
            all = new Thread[all.length * 2];
        }
        Map<Long, Thread> live = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            live.put(all[i].getId(), all[i]);
        }
        return live;
    }

    /**
     * State and lock of each thread, without stacks: with maxDepth 0 HotSpot takes no
     * safepoint (management.cpp, jmm_GetThreadInfo). An element is null for a thread that
     * has ended.
     */
    static ThreadInfo[] threadInfos(List<Thread> threads) {
        long[] ids = new long[threads.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = threads.get(i).getId();
        }
        return mx().getThreadInfo(ids, 0);
    }

    static ThreadMXBean mx() {
        return ManagementFactory.getThreadMXBean();
    }

    /**
     * The monitor, lock or join wait {@code info} shows for {@code waiter}, or null.
     * BLOCKED is a monitor enter, owned by the thread in the monitor. WAITING or
     * TIMED_WAITING with an owner is a j.u.c lock (an AbstractOwnableSynchronizer with an
     * exclusive owner); without one, a wait on a Thread object's monitor is Thread.join
     * (java.lang.Thread.join waits on the joined thread's monitor on JDK 17 and, for platform
     * threads, still on JDK 25), and anything else is a wait with no owner to name: a
     * java.util.concurrent condition, latch or queue is called a lock, any other object a
     * monitor (Object.wait). Joining a virtual thread (JDK 21+) parks on a latch inside
     * java.lang.VirtualThread, which names no thread: a lock wait without an owner.
     */
    static JvmWait lockWait(Thread waiter, ThreadInfo info, Threads threads) {
        if (info == null || info.getLockInfo() == null) {
            return null;
        }
        LockInfo lock = info.getLockInfo();
        Thread owner = info.getLockOwnerId() < 0 ? null : threads.byId(info.getLockOwnerId());
        switch (info.getThreadState()) {
            case BLOCKED:
                return new JvmWait(waiter, JvmWait.Kind.MONITOR, "monitor " + info.getLockName(), owner);
            case WAITING:
            case TIMED_WAITING:
                if (owner != null) {
                    return new JvmWait(waiter, JvmWait.Kind.LOCK, "lock " + info.getLockName(), owner);
                }
                Thread joined = threads.byMonitor(lock);
                if (joined != null && joined != waiter) {
                    return new JvmWait(waiter, JvmWait.Kind.JOIN, "join of thread " + joined.getName(), joined);
                }
                boolean monitor = !lock.getClassName().startsWith("java.util.concurrent.");
                return new JvmWait(waiter, monitor ? JvmWait.Kind.MONITOR : JvmWait.Kind.LOCK,
                        (monitor ? "monitor " : "lock ") + info.getLockName(), null);
            default:
                return null;
        }
    }

    /**
     * The class-initialization wait {@code dump} shows for {@code waiter}, or null. Its owner
     * is the thread running that class's static initializer (the one with {@code C.<clinit>}
     * on its stack). Two class loaders may each be initializing a class of that name; the
     * dump does not say which, so the owner is the first such thread other than the waiter.
     */
    static JvmWait classInitWait(Thread waiter, ThreadDump dump, Map<Long, Thread> live) {
        String className = dump.initWaitOf(waiter.getId());
        if (className == null) {
            return null;
        }
        Thread owner = null;
        for (long id : dump.initializing(className)) {
            Thread t = live.get(id);
            if (t != null && t != waiter) {
                owner = t;
                break;
            }
        }
        return new JvmWait(waiter, JvmWait.Kind.CLASS_INIT, "class initialization of " + className, owner);
    }

    /** Live threads looked up by id, and by identity for a monitor that is a Thread object. */
    static final class Threads {
        private final Map<Long, Thread> byId;
        /** identityHashCode to threads, built on first use: only a waiting thread needs it. */
        private Map<Integer, List<Thread>> byHash;

        Threads(Map<Long, Thread> byId) {
            this.byId = byId;
        }

        Thread byId(long id) {
            return byId.get(id);
        }

        /** The thread whose own monitor {@code lock} is, or null. */
        Thread byMonitor(LockInfo lock) {
            if (byHash == null) {
                byHash = new HashMap<>();
                for (Thread t : byId.values()) {
                    byHash.computeIfAbsent(System.identityHashCode(t), h -> new ArrayList<>(1)).add(t);
                }
            }
            for (Thread t : byHash.getOrDefault(lock.getIdentityHashCode(), List.of())) {
                if (t.getClass().getName().equals(lock.getClassName())) {
                    return t;
                }
            }
            return null;
        }
    }
}
