package dev.kmodharness.lockdep;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Lockdep for module init: every thread blocked in a harness wait is an edge to the resource
 * it waits for, and each resource leads to the threads holding it. A new edge that closes a
 * cycle is reported the moment it is added. Each distinct cycle (the same resources in the
 * same order) is reported once per boot, as lockdep reports a dependency once. Guarded by the
 * kernel lock: every method is called with it held; nothing here blocks.
 */
public final class WaitForGraph {

    private final Map<Thread, WaitFor> blocked = new HashMap<>();
    private final List<DeadlockReport> reports = new ArrayList<>();
    private final Set<List<String>> reported = new HashSet<>();
    private final Consumer<DeadlockReport> sink;
    private final Function<Thread, String> comm;

    /**
     * @param sink receives each new report, on the thread that closed the cycle
     * @param comm how reports name a thread ("modprobe kvmgt/2")
     */
    public WaitForGraph(Consumer<DeadlockReport> sink, Function<Thread, String> comm) {
        this.sink = sink;
        this.comm = comm;
    }

    /**
     * Adds the edge "the current thread waits for {@code edge}" and looks for a cycle through it.
     *
     * @param closedRealNanos System.nanoTime() when the wait began
     * @return the cycle the edge closes, or null; a cycle reported before is returned again
     *     but not reported twice
     */
    public DeadlockReport add(WaitFor edge, long kernelNanos, long closedRealNanos) {
        return add(Thread.currentThread(), edge, kernelNanos, closedRealNanos);
    }

    /**
     * Adds the edge "{@code self} waits for {@code edge}", for a graph built by an observer
     * (the JVM sampler, lockdep.jvm) rather than by the waiting thread itself.
     */
    public DeadlockReport add(Thread self, WaitFor edge, long kernelNanos, long closedRealNanos) {
        blocked.put(self, edge);
        DeadlockReport report = cycleThrough(self, kernelNanos, closedRealNanos);
        if (report != null) {
            record(report);
        }
        return report;
    }

    /**
     * Adds the edge "{@code self} waits for {@code edge}" without looking for a cycle: for an
     * observer adding several edges at once (the JVM's waits) before looking.
     */
    public void put(Thread self, WaitFor edge) {
        blocked.put(self, edge);
    }

    /** Removes {@code thread}'s edge, added by {@link #put}. */
    public void remove(Thread thread) {
        blocked.remove(thread);
    }

    /** The cycle through {@code self}'s edge, or null; neither recorded nor reported. */
    public DeadlockReport cycleThrough(Thread self, long kernelNanos, long closedRealNanos) {
        WaitFor edge = blocked.get(self);
        if (edge == null) {
            return null;
        }
        List<DeadlockReport.Link> path = new ArrayList<>();
        path.add(link(self, edge));
        if (!reaches(edge.resource(), self, path, new HashSet<>(Set.of(self)))) {
            return null;
        }
        return new DeadlockReport(List.copyOf(path), kernelNanos, closedRealNanos, System.nanoTime());
    }

    /**
     * Records and reports {@code report}, unless a cycle of the same resources was reported
     * before (lockdep reports a dependency once).
     *
     * @return whether it was new
     */
    public boolean record(DeadlockReport report) {
        List<String> key = report.links().stream().map(DeadlockReport.Link::resource).sorted().toList();
        if (!reported.add(key)) {
            return false;
        }
        reports.add(report);
        sink.accept(report);
        return true;
    }

    /**
     * Lockdep over the JVM's own waits: adds {@code edges} (threads blocked outside the
     * harness, as the JVM shows them; none may have an edge of its own) beside the harness's
     * edges, reports each cycle through one of them (unless a cycle of the same threads was
     * reported, as the gate-off probe reports a class-initialization cycle before the JVM
     * blocks), then takes them out again.
     *
     * @return the waiters found in a cycle
     */
    public Set<Thread> observe(List<JvmEdge> edges, long kernelNanos) {
        Set<Thread> inCycle = new HashSet<>();
        edges.forEach(edge -> put(edge.waiter(), edge.edge()));
        try {
            for (JvmEdge edge : edges) {
                DeadlockReport cycle = cycleThrough(edge.waiter(), kernelNanos, System.nanoTime());
                if (cycle != null) {
                    inCycle.add(edge.waiter());
                    Set<String> threads = threadsOf(cycle);
                    if (reports.stream().noneMatch(r -> threadsOf(r).equals(threads))) {
                        record(cycle);
                    }
                }
            }
        } finally {
            edges.forEach(edge -> remove(edge.waiter()));
        }
        return inCycle;
    }

    private static Set<String> threadsOf(DeadlockReport report) {
        return report.links().stream().map(DeadlockReport.Link::thread).collect(java.util.stream.Collectors.toSet());
    }

    /** Removes the current thread's edge: its wait ended. */
    public void remove() {
        blocked.remove(Thread.currentThread());
    }

    /** Every report so far, in order. */
    public List<DeadlockReport> reports() {
        return List.copyOf(reports);
    }

    /** What {@code thread} waits for now, or null. */
    public WaitFor waitingFor(Thread thread) {
        return blocked.get(thread);
    }

    /** Whether every holder of {@code resource} waits, through the graph, on {@code target}. */
    private boolean reaches(Resource resource, Thread target, List<DeadlockReport.Link> path, Set<Thread> visiting) {
        var holders = resource.holders();
        if (holders.isEmpty()) {
            return false;
        }
        List<DeadlockReport.Link> first = null;
        for (Thread holder : holders) {
            List<DeadlockReport.Link> branch = new ArrayList<>();
            if (!reachesFrom(holder, target, branch, visiting)) {
                return false;
            }
            if (first == null) {
                first = branch;
            }
        }
        path.addAll(first);
        return true;
    }

    private boolean reachesFrom(Thread holder, Thread target, List<DeadlockReport.Link> path, Set<Thread> visiting) {
        if (holder == target) {
            return true;
        }
        WaitFor next = blocked.get(holder);
        if (next == null || !visiting.add(holder)) {
            return false;
        }
        try {
            path.add(link(holder, next));
            return reaches(next.resource(), target, path, visiting);
        } finally {
            visiting.remove(holder);
        }
    }

    private DeadlockReport.Link link(Thread thread, WaitFor edge) {
        return new DeadlockReport.Link(comm.apply(thread), edge.activity(), edge.resource().describe());
    }
}
