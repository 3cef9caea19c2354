package dev.kmodharness.report;

import dev.kmodharness.api.Errno;
import dev.kmodharness.timing.InitRecord;
import dev.kmodharness.timing.Stamp;
import java.util.Comparator;
import java.util.Locale;

/** What the reports share: the order of stamps, where a load ends, how times and threads print. */
final class Times {

    /** Kernel time first; real time breaks ties (under the virtual clock many events share a kernel time). */
    static final Comparator<Stamp> ORDER = Comparator.comparingLong(Stamp::kernelNanos)
            .thenComparingLong(Stamp::realNanos);

    /** Loads in the order they began. */
    static final Comparator<InitRecord> BY_START = Comparator.comparing(InitRecord::loadStart, ORDER);

    private Times() {
    }

    /** The later of two stamps; a null one loses. */
    static Stamp later(Stamp a, Stamp b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return ORDER.compare(a, b) >= 0 ? a : b;
    }

    /**
     * Where a load ends: its last stamp on the loading thread (imports resolved, a wait's end,
     * init's end, a state change, a request_module it made itself). A load still running ends
     * there for now; see {@link #finished}.
     */
    static Stamp end(InitRecord r) {
        Stamp end = later(r.loadStart(), r.importsResolved());
        for (InitRecord.Wait w : r.waits()) {
            end = later(end, w.end());
        }
        end = later(end, r.initStart());
        end = later(end, r.initEnd());
        for (InitRecord.StateChange s : r.states()) {
            end = later(end, s.at());
        }
        for (InitRecord.Request q : r.requests()) {
            if (q.thread().equals(r.thread())) {
                end = later(end, q.end());
            }
        }
        return end;
    }

    /** Whether the load has returned (its result is known). */
    static boolean finished(InitRecord r) {
        return r.result() != null;
    }

    /**
     * Whether a symbol wait ended by its own timeout (-EBUSY after the 30 s) or was failed at
     * once as a deadlock (-EDEADLK) rather than by its owner leaving COMING.
     */
    static boolean endedByItself(InitRecord.Wait w) {
        return w.err() == -Errno.EBUSY || w.err() == -Errno.EDEADLK;
    }

    /**
     * "wait SYMBOL (OWNER COMING)": what a wait was for and why it waited; for do_init_module's
     * wait on async work, "wait async_synchronize_full (async work of OWNER)".
     */
    static String waitLabel(InitRecord.Wait w) {
        if (isAsync(w)) {
            return "wait " + w.symbol() + " (async work of " + w.owner() + ")";
        }
        return "wait " + w.symbol() + " (" + w.owner() + " COMING)";
    }

    /** Whether the wait was do_init_module's async_synchronize_full. */
    static boolean isAsync(InitRecord.Wait w) {
        return w.symbol().equals(InitRecord.ASYNC_SYNCHRONIZE_FULL);
    }

    /** "request_module(M)" or "request_module_nowait(M)". */
    static String requestLabel(InitRecord.Request q) {
        return (q.synchronous() ? "request_module(" : "request_module_nowait(") + q.module() + ")";
    }

    /** Kernel or real nanoseconds as seconds with milliseconds: {@code 120.000s}. */
    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3fs", nanos / 1e9);
    }

    /** Nanoseconds as milliseconds with microseconds: {@code 26.437ms}. */
    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3fms", nanos / 1e6);
    }

    /** The pid of a task named "comm/pid", or -1 when the name has none. */
    static long pid(String thread) {
        int slash = thread.lastIndexOf('/');
        if (slash < 0 || slash == thread.length() - 1) {
            return -1;
        }
        try {
            return Long.parseLong(thread.substring(slash + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The module name as the kernel reads it ({@code -} is {@code _}). */
    static String moduleName(String name) {
        return name.replace('-', '_');
    }
}
