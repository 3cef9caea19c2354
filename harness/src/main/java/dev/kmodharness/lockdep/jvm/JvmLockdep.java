package dev.kmodharness.lockdep.jvm;

import dev.kmodharness.lockdep.DeadlockReport;
import dev.kmodharness.lockdep.Resource;
import dev.kmodharness.lockdep.WaitFor;
import dev.kmodharness.lockdep.WaitForGraph;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Lockdep for any JVM: a sampler thread that reads the JVM's waits ({@link JvmWaits}) at a
 * fixed period, keeps the wait-for graph they form, and reports each cycle once, in the
 * harness's lockdep format ({@link DeadlockReport#text()}), to a listener and to stderr.
 * Where the harness's lockdep sees each wait as it begins, this one sees what the JVM shows:
 * a cycle is named by the second sample after its last wait began.
 *
 * <p>Cost while no thread is stuck: each sample reads the threads' states and locks without
 * stacks (no safepoint) and their CPU times. Monitor, lock and join waits name their owner
 * there. Only a thread that is RUNNABLE yet used no CPU since the last sample (how a
 * class-initialization wait looks to ThreadMXBean) makes the sampler take a thread dump; a
 * thread the dump shows is not waiting for a class (blocked in native code, say) is not
 * looked at again until its CPU time moves.
 *
 * <pre>{@code
 * try (JvmLockdep lockdep = JvmLockdep.builder().period(Duration.ofMillis(100)).onCycle(reports::add).start()) {
 *     ...
 * }
 * }</pre>
 */
public final class JvmLockdep implements AutoCloseable {

    private final Duration period;
    private final Predicate<Thread> which;
    private final Consumer<DeadlockReport> listener;
    private final boolean stderr;
    private final ScheduledExecutorService sampler;

    // Confined to the sampler thread: written and read only by tick().
    private Map<Long, Long> cpuBefore = new HashMap<>();
    /** Thread id to the CPU time at which a dump showed it runnable but not waiting for a class. */
    private final Map<Long, Long> cleared = new HashMap<>();
    private Map<Thread, Edge> edges = new LinkedHashMap<>();
    /** Each cycle reported: its threads and resources, sorted. */
    private final Set<List<String>> reported = new HashSet<>();

    // Read by any thread, written by the sampler.
    private final List<DeadlockReport> reports = new CopyOnWriteArrayList<>();
    private volatile List<JvmWait> waits = List.of();
    private volatile long samples;
    private volatile long dumps;

    private JvmLockdep(Builder b) {
        this.period = b.period;
        this.which = b.which;
        this.listener = b.listener;
        this.stderr = b.stderr;
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jvm lockdep");
            t.setDaemon(true);
            return t;
        });
        long nanos = period.toNanos();
        sampler.scheduleAtFixedRate(this::tick, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    /** A detector to configure: 100 ms period, every thread but the JVM's own, reports to stderr. */
    public static Builder builder() {
        return new Builder();
    }

    /** Every cycle reported so far, in order. */
    public List<DeadlockReport> reports() {
        return List.copyOf(reports);
    }

    /** The waits with a known owner at the last sample: the wait-for graph's edges. */
    public List<JvmWait> waits() {
        return waits;
    }

    /** Samples taken so far. */
    public long samples() {
        return samples;
    }

    /** Thread dumps taken so far: zero while no thread looked stuck in a class initialization. */
    public long dumps() {
        return dumps;
    }

    /** The sampling period. */
    public Duration period() {
        return period;
    }

    /** Stops the sampler and waits for a sample under way to end. */
    @Override
    public void close() {
        sampler.shutdownNow();
        try {
            // Waits for the sampler thread, which blocks only for a thread dump's safepoint.
            sampler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One sample; on the sampler thread. */
    private void tick() {
        try {
            sample();
        } catch (RuntimeException e) {
            // A thread may end between enumeration and inspection; the next sample sees anew.
            System.err.println("jvm lockdep: sample failed: " + e);
        }
    }

    private void sample() {
        samples++;
        Thread self = Thread.currentThread();
        Map<Long, Thread> live = JvmWaits.liveThreads();
        List<Thread> chosen = new ArrayList<>();
        for (Thread t : live.values()) {
            if (t != self && which.test(t)) {
                chosen.add(t);
            }
        }
        ThreadInfo[] infos = JvmWaits.threadInfos(chosen);
        long[] cpu = CpuTimes.of(chosen);
        JvmWaits.Threads threads = new JvmWaits.Threads(live);
        Map<Thread, JvmWait> now = new LinkedHashMap<>();
        Map<Long, Long> cpuNow = new HashMap<>();
        List<Thread> stalled = new ArrayList<>();
        for (int i = 0; i < infos.length; i++) {
            Thread t = chosen.get(i);
            if (infos[i] == null) {
                continue;
            }
            cpuNow.put(t.getId(), cpu[i]);
            JvmWait wait = JvmWaits.lockWait(t, infos[i], threads);
            if (wait != null) {
                if (wait.owner() != null) {
                    now.put(t, wait);
                }
            } else if (infos[i].getThreadState() == Thread.State.RUNNABLE
                    && (cpu[i] < 0 || Objects.equals(cpuBefore.get(t.getId()), cpu[i]))) {
                Edge before = edges.get(t);
                if (before != null && before.jvmWait.kind() == JvmWait.Kind.CLASS_INIT && cpu[i] >= 0) {
                    now.put(t, before.jvmWait);
                } else if (cpu[i] < 0 || !Objects.equals(cleared.get(t.getId()), cpu[i])) {
                    stalled.add(t);
                }
            }
        }
        if (!stalled.isEmpty()) {
            ThreadDump dump = ThreadDump.take();
            dumps++;
            for (Thread t : stalled) {
                JvmWait wait = JvmWaits.classInitWait(t, dump, live);
                if (wait == null) {
                    cleared.put(t.getId(), cpuNow.get(t.getId()));
                } else if (wait.owner() != null) {
                    now.put(t, wait);
                }
            }
        }
        cleared.keySet().retainAll(cpuNow.keySet());
        cpuBefore = cpuNow;
        update(now);
    }

    /** Takes the sample's waits as the graph's edges; looks for cycles when they changed. */
    private void update(Map<Thread, JvmWait> now) {
        long at = System.nanoTime();
        Map<Thread, Edge> next = new LinkedHashMap<>();
        boolean changed = now.size() != edges.size();
        for (Map.Entry<Thread, JvmWait> e : now.entrySet()) {
            Edge before = edges.get(e.getKey());
            if (before != null && before.jvmWait.equals(e.getValue())) {
                next.put(e.getKey(), before);
            } else {
                next.put(e.getKey(), new Edge(e.getValue(), at));
                changed = true;
            }
        }
        edges = next;
        waits = now.values().stream().toList();
        if (changed) {
            findCycles();
        }
    }

    /**
     * Adds the edges to a fresh harness wait-for graph in the order their waits were first
     * seen, so each cycle is found as its last wait closes it, as the harness's lockdep finds
     * it; reports the cycles not reported before.
     */
    private void findCycles() {
        List<DeadlockReport> found = new ArrayList<>();
        WaitForGraph graph = new WaitForGraph(found::add, JvmLockdep::comm);
        List<Map.Entry<Thread, Edge>> ordered = new ArrayList<>(edges.entrySet());
        ordered.sort(Comparator.comparingLong(e -> e.getValue().since));
        Map<String, Thread> byComm = new HashMap<>();
        for (Map.Entry<Thread, Edge> e : ordered) {
            byComm.put(comm(e.getKey()), e.getKey());
            graph.add(e.getKey(), new WaitFor("", new Held(e.getValue().jvmWait)), 0, e.getValue().since);
        }
        for (DeadlockReport cycle : found) {
            List<String> key = cycle.links().stream().map(l -> l.thread() + " " + l.resource()).sorted().toList();
            if (reported.add(key)) {
                report(withActivities(cycle, byComm));
            }
        }
    }

    /** The cycle with each thread's activity: the innermost frame of code outside the JDK. */
    private static DeadlockReport withActivities(DeadlockReport cycle, Map<String, Thread> byComm) {
        List<Thread> threads = cycle.links().stream().map(l -> byComm.get(l.thread())).toList();
        long[] ids = threads.stream().mapToLong(Thread::getId).toArray();
        // Stacks for the cycle's threads only: a safepoint once per cycle reported.
        ThreadInfo[] infos = JvmWaits.mx().getThreadInfo(ids, 64);
        List<DeadlockReport.Link> links = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            DeadlockReport.Link l = cycle.links().get(i);
            links.add(new DeadlockReport.Link(l.thread(), activity(infos[i]), l.resource()));
        }
        return new DeadlockReport(List.copyOf(links), cycle.kernelNanos(), cycle.closedRealNanos(), System.nanoTime());
    }

    /** "drivers.gpu.drm.i915.I915Pci.<clinit>": the frame the thread is waiting in. */
    static String activity(ThreadInfo info) {
        if (info == null) {
            return "(ended)";
        }
        StackTraceElement[] stack = info.getStackTrace();
        for (StackTraceElement frame : stack) {
            String c = frame.getClassName();
            if (!(c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.") || c.startsWith("com.sun."))) {
                return c + "." + frame.getMethodName();
            }
        }
        return stack.length == 0 ? "(no stack)" : stack[0].getClassName() + "." + stack[0].getMethodName();
    }

    private void report(DeadlockReport report) {
        reports.add(report);
        if (stderr) {
            System.err.println(report.text());
        }
        listener.accept(report);
    }

    /** How reports name a thread: "name/id", as the kernel names a task "comm/pid". */
    static String comm(Thread thread) {
        return thread.getName() + "/" + thread.getId();
    }

    /** An edge of the graph and System.nanoTime() at the first sample that saw it. */
    private record Edge(JvmWait jvmWait, long since) {
    }

    /** A JVM wait's resource as the harness's graph sees it: held by its owner. */
    private record Held(JvmWait jvmWait) implements Resource {
        @Override
        public String describe() {
            return jvmWait.resource();
        }

        @Override
        public Collection<Thread> holders() {
            return jvmWait.owner() == null ? List.of() : List.of(jvmWait.owner());
        }
    }

    /** The detector's settings; {@link #start()} starts the sampler. */
    public static final class Builder {
        private Duration period = Duration.ofMillis(100);
        private Predicate<Thread> which = JvmLockdep::notJvmInternal;
        private Consumer<DeadlockReport> listener = r -> { };
        private boolean stderr = true;

        private Builder() {
        }

        /** How often to sample (default 100 ms); a cycle is named within two periods. */
        public Builder period(Duration period) {
            if (period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("period must be positive: " + period);
            }
            this.period = period;
            return this;
        }

        /** Which threads to watch (default: all but the JVM's own, of the "system" group). */
        public Builder threads(Predicate<Thread> which) {
            this.which = Objects.requireNonNull(which);
            return this;
        }

        /** Who hears of each cycle, on the sampler thread, after stderr. */
        public Builder onCycle(Consumer<DeadlockReport> listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /** Whether reports also go to stderr (default true). */
        public Builder stderr(boolean stderr) {
            this.stderr = stderr;
            return this;
        }

        /** Starts sampling. */
        public JvmLockdep start() {
            return new JvmLockdep(this);
        }
    }

    /** Reference Handler, Signal Dispatcher and the like: threads of the "system" group. */
    private static boolean notJvmInternal(Thread t) {
        ThreadGroup group = t.getThreadGroup();
        return group != null && group.getParent() != null;
    }
}
