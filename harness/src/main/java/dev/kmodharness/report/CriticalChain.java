package dev.kmodharness.report;

import dev.kmodharness.api.Errno;
import dev.kmodharness.timing.InitRecord;
import dev.kmodharness.timing.Stamp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * {@code systemd-analyze critical-chain} for module loads: the chain of loads, request_module
 * calls and symbol waits that set the total time, the last to end on top, each link indented
 * under the one it explains:
 *
 * <pre>
 * i915 @0.000s +120.000s
 * └─request_module(kvmgt) @0.000s +120.000s returned 256
 *   └─kvmgt @0.000s +120.000s err -16
 *     └─wait shmem_unpin_map (i915 COMING) @90.000s +30.000s timed out, err -16; i915 is above: cycle
 *       └─wait i915_vma_move_to_active (i915 COMING) @60.000s +30.000s timed out, err -16; ...
 * </pre>
 *
 * "@" is when the link began and "+" how long it took, both in kernel time (seconds since boot).
 *
 * <h2>The rule</h2>
 * Walking back in time from the end:
 * <ol>
 *   <li><b>Start</b> at the load that ended last: a load still running counts as ending after
 *     every finished one; ties go to the later real time. A load ends at its last stamp on the
 *     loading thread (imports resolved, a wait's end, init's end, a state change, a
 *     request_module it made itself).</li>
 *   <li><b>A load</b> was held up by its <i>steps</i>: its symbol and class waits, its
 *     async_synchronize_full, and the synchronous request_module calls its code made that
 *     ended by the time the load did (nowait requests hold nothing up). A step still under way
 *     when the records were read ends then, and its link says {@code still waiting}: the chain
 *     of a hung kernel shows where each task is stuck. The next link is the step that finished
 *     latest (kernel time, then real time). A load with no step is where the chain ends: its
 *     time was its own.</li>
 *   <li><b>A wait that its owner ended</b> (the owner went LIVE, or its load failed and the
 *     symbol went away) leads to the owner's load: the load of the owner that had begun by
 *     the time the wait did, the latest such. A wait for async work leads to the load of the
 *     module that scheduled it, whose steps count up to the wait's end: the work ran on its
 *     own thread, after that load had returned. When that module is the waiting one, the
 *     chain goes on with what its own work did by then.</li>
 *   <li><b>A wait that ended by itself</b> (-EBUSY: the 30 s ran out; -EDEADLK: failed at once
 *     under fail-fast) lasted as long as its own timeout said, so what set its end is what set
 *     its start: the step of the same load that finished latest no later than the wait began
 *     (the wait before it), or nothing, where the chain ends at the load's start. The owner it
 *     waited for is named in the link; when that owner's load is already above in the chain,
 *     the link says so: the chain went round a cycle, as in the seed.</li>
 *   <li><b>A synchronous request_module</b> leads to the requested module's load: the first
 *     load of that name that began while the request ran. None (already loaded, not found)
 *     ends the chain.</li>
 *   <li>A load reached a second time is printed once more, marked {@code (cycle)}, and ends the
 *     chain.</li>
 * </ol>
 */
public final class CriticalChain {

    /** What a link is. */
    public enum Kind {
        LOAD, REQUEST, WAIT
    }

    /**
     * One link of the chain.
     *
     * @param kind a load, a request_module call or a wait
     * @param load the load it is, or whose step it is
     * @param symbolWait the wait, for {@link Kind#WAIT}
     * @param request the request, for {@link Kind#REQUEST}
     * @param text the line without indentation
     */
    public record Link(Kind kind, InitRecord load, InitRecord.Wait symbolWait, InitRecord.Request request, String text) {
    }

    private static final String HEADER = """
            The time when a load, request or wait began is printed after the "@" character.
            The time it took is printed after the "+" character (kernel time).
            """;

    private CriticalChain() {
    }

    /** The chain, the last to end first; empty for no loads. */
    public static List<Link> compute(List<InitRecord> records) {
        List<Link> chain = new ArrayList<>();
        if (records.isEmpty()) {
            return chain;
        }
        InitRecord root = records.get(0);
        for (InitRecord r : records) {
            if (endsLater(r, root)) {
                root = r;
            }
        }
        Set<InitRecord> above = Collections.newSetFromMap(new IdentityHashMap<>());
        InitRecord load = root;
        above.add(load);
        chain.add(loadLink(load, false));
        Object step = latestStep(load, Times.end(load), null);
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (step != null && seen.add(step)) {
            if (step instanceof InitRecord.Request q) {
                chain.add(new Link(Kind.REQUEST, load, null, q, requestText(q)));
                InitRecord target = requestedLoad(records, q);
                if (target == null) {
                    break;
                }
                if (!above.add(target)) {
                    chain.add(loadLink(target, true));
                    break;
                }
                load = target;
                chain.add(loadLink(load, false));
                step = latestStep(load, Times.end(load), null);
            } else {
                InitRecord.Wait w = (InitRecord.Wait) step;
                InitRecord owner = ownerLoad(records, w);
                boolean ownWork = Times.isAsync(w) && owner == load;
                chain.add(new Link(Kind.WAIT, load, w, null,
                        waitText(w, owner != null && above.contains(owner) && !ownWork)));
                if (ownWork) {
                    // the load's own async work: what it did by the wait's end held the load up
                    step = latestStep(load, w.end(), w);
                    continue;
                }
                if (Times.endedByItself(w)) {
                    step = latestStep(load, w.start(), w);
                    continue;
                }
                if (owner == null) {
                    break;
                }
                if (!above.add(owner)) {
                    chain.add(loadLink(owner, true));
                    break;
                }
                load = owner;
                chain.add(loadLink(load, false));
                // async work runs on its own thread, past its module's load: what it did by the
                // wait's end counts
                step = latestStep(load, Times.isAsync(w) ? Times.later(Times.end(load), w.end()) : Times.end(load),
                        null);
            }
        }
        return chain;
    }

    /** The two header lines, then the chain with systemd's {@code └─} indentation. */
    public static String render(List<InitRecord> records) {
        List<Link> chain = compute(records);
        StringBuilder out = new StringBuilder(HEADER).append('\n');
        for (int i = 0; i < chain.size(); i++) {
            if (i > 0) {
                out.append("  ".repeat(i - 1)).append("└─");
            }
            out.append(chain.get(i).text()).append('\n');
        }
        return out.toString();
    }

    private static boolean endsLater(InitRecord a, InitRecord b) {
        if (Times.finished(a) != Times.finished(b)) {
            return !Times.finished(a);
        }
        return Times.ORDER.compare(Times.end(a), Times.end(b)) > 0;
    }

    /**
     * The step of {@code load} (a wait, or a synchronous request_module) that finished latest,
     * no later than {@code bound}, other than {@code except}; null when none.
     */
    private static Object latestStep(InitRecord load, Stamp bound, Object except) {
        Object best = null;
        Stamp bestEnd = null;
        for (InitRecord.Wait w : load.waits()) {
            if (w != except && Times.ORDER.compare(w.end(), bound) <= 0
                    && (bestEnd == null || Times.ORDER.compare(w.end(), bestEnd) > 0)) {
                best = w;
                bestEnd = w.end();
            }
        }
        for (InitRecord.Request q : load.requests()) {
            if (q != except && q.synchronous() && Times.ORDER.compare(q.end(), bound) <= 0
                    && (bestEnd == null || Times.ORDER.compare(q.end(), bestEnd) > 0)) {
                best = q;
                bestEnd = q.end();
            }
        }
        return best;
    }

    /**
     * The owner's load the wait waited for: the latest of its loads begun by the wait's start,
     * but a second load of the same name that add_unformed_module refused with -EEXIST: it never
     * owned anything, however late it began.
     */
    static InitRecord ownerLoad(List<InitRecord> records, InitRecord.Wait w) {
        InitRecord owner = null;
        for (InitRecord r : records) {
            if (r.module().equals(w.owner()) && !refusedDuplicate(r)
                    && Times.ORDER.compare(r.loadStart(), w.start()) <= 0
                    && (owner == null || Times.ORDER.compare(r.loadStart(), owner.loadStart()) > 0)) {
                owner = r;
            }
        }
        return owner;
    }

    private static boolean refusedDuplicate(InitRecord r) {
        return r.result() != null && r.result() == -dev.kmodharness.api.Errno.EEXIST && r.states().isEmpty();
    }

    /** The first load of the requested module that began while the request ran. */
    static InitRecord requestedLoad(List<InitRecord> records, InitRecord.Request q) {
        String name = Times.moduleName(q.module());
        InitRecord target = null;
        for (InitRecord r : records) {
            if (Times.moduleName(r.module()).equals(name)
                    && Times.ORDER.compare(r.loadStart(), q.start()) >= 0
                    && Times.ORDER.compare(r.loadStart(), q.end()) <= 0
                    && (target == null || Times.ORDER.compare(r.loadStart(), target.loadStart()) < 0)) {
                target = r;
            }
        }
        return target;
    }

    private static Link loadLink(InitRecord r, boolean cycle) {
        Stamp end = Times.end(r);
        String text = r.module() + " @" + Times.seconds(r.loadStart().kernelNanos())
                + " +" + Times.seconds(end.kernelNanos() - r.loadStart().kernelNanos());
        if (r.builtin()) {
            text += " built-in";
        }
        if (r.result() == null) {
            text += " still loading";
        } else if (r.result() != 0) {
            text += " err " + r.result();
        }
        if (cycle) {
            text += " (cycle)";
        }
        return new Link(Kind.LOAD, r, null, null, text);
    }

    private static String requestText(InitRecord.Request q) {
        return Times.requestLabel(q) + " @" + Times.seconds(q.start().kernelNanos()) + " +"
                + Times.seconds(q.kernelNanos()) + (q.pending() ? " still waiting" : " returned " + q.result());
    }

    private static String waitText(InitRecord.Wait w, boolean ownerAbove) {
        String text = Times.waitLabel(w) + " @" + Times.seconds(w.start().kernelNanos()) + " +"
                + Times.seconds(w.kernelNanos());
        if (w.pending()) {
            text += " still waiting";
        } else if (w.err() == -Errno.EBUSY) {
            text += " timed out, err " + w.err();
        } else if (w.err() != 0) {
            text += " err " + w.err();
        }
        if (ownerAbove) {
            text += "; " + w.owner() + " is above: cycle";
        }
        return text;
    }
}
