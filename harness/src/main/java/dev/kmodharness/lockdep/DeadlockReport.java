package dev.kmodharness.lockdep;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A cycle in the wait-for graph, as found the moment its last edge was added.
 *
 * @param links the cycle, starting with the thread whose wait closed it: each link is a
 *     thread, what it was doing, and what it waits for, held by the next link's thread
 * @param kernelNanos kernel time when the cycle closed
 * @param closedRealNanos System.nanoTime() when the closing wait began
 * @param reportedRealNanos System.nanoTime() when this report was made
 */
public record DeadlockReport(List<Link> links, long kernelNanos, long closedRealNanos, long reportedRealNanos) {

    /**
     * One waiting thread in the cycle, as text: a report keeps no module, thread or class
     * loader alive.
     *
     * @param thread "name/id"
     * @param activity what it was doing: "kvmgt resolving intel_ring_begin"
     * @param resource what it waits for: "i915 COMING"
     */
    public record Link(String thread, String activity, String resource) {
    }

    /** The chain in one line: "i915 init -> request_module(kvmgt) -> kvmgt resolving X -> i915 COMING". */
    public String chain() {
        // Start from the link after the closing one, so the chain reads from the holder's side.
        int n = links.size();
        return java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> links.get((i + 1) % n))
                .map(l -> l.activity() + " -> " + l.resource())
                .collect(Collectors.joining(" -> "));
    }

    /** The report as printk prints it, lockdep style. */
    public String text() {
        Link closing = links.get(0);
        Link holder = links.get(1 % links.size());
        StringBuilder out = new StringBuilder();
        out.append("======================================================\n");
        out.append("WARNING: possible circular module dependency detected\n");
        out.append("------------------------------------------------------\n");
        out.append(closing.thread()).append(" is trying to wait for:\n");
        out.append("  ").append(closing.resource()).append(", for ").append(closing.activity()).append('\n');
        out.append("held by ").append(holder.thread()).append(", which already waits on it:\n");
        for (int i = 1; i <= links.size(); i++) {
            Link link = links.get(i % links.size());
            out.append("  #").append(i - 1).append(' ').append(link.thread()).append(": ")
                    .append(link.activity()).append(" -> ").append(link.resource()).append('\n');
        }
        out.append(" *** DEADLOCK: ").append(chain()).append(" ***");
        return out.toString();
    }
}
