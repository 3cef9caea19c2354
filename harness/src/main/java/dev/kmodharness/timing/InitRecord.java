package dev.kmodharness.timing;

import java.util.List;

/**
 * What one load of one module did, and when: the kernel's initcall_debug and the module
 * loader's timing, in one record. Immutable snapshot.
 *
 * @param module the module's name
 * @param thread the loading task, "comm/pid"
 * @param builtin whether it was a built-in, inited at boot
 * @param loadStart when init_module began (for a built-in: its initcall)
 * @param importsResolved when simplify_symbols ended, or null if the load never got there
 * @param waits every wait that blocked (for a symbol, a class, or async work), in the order they
 *     ended; those still waiting last, {@linkplain Wait#pending pending}
 * @param initStart when module_init began, or null
 * @param initEnd when module_init returned, or null
 * @param initReturn what init returned (0, or a negative errno); meaningless without initEnd
 * @param states every state change, in order
 * @param requests every request_module its code made; those still running last, pending
 * @param result what the load returned: 0, a negative errno, or null while it runs
 */
public record InitRecord(String module, String thread, boolean builtin, Stamp loadStart, Stamp importsResolved,
        List<Wait> waits, Stamp initStart, Stamp initEnd, int initReturn, List<StateChange> states,
        List<Request> requests, Integer result) {

    /** What {@link Wait#symbol} says for async_synchronize_full in do_init_module. */
    public static final String ASYNC_SYNCHRONIZE_FULL = "async_synchronize_full";

    /**
     * A wait that blocked: for a symbol (or a class) of {@code owner}, from start to end; or, with
     * symbol {@link #ASYNC_SYNCHRONIZE_FULL}, for the async work {@code owner} scheduled. A
     * pending wait was still waiting when the record was read: its end is that moment and its
     * err 0.
     */
    public record Wait(String symbol, String owner, Stamp start, Stamp end, int err, boolean pending) {
        /** A wait that ended. */
        public Wait(String symbol, String owner, Stamp start, Stamp end, int err) {
            this(symbol, owner, start, end, err, false);
        }

        public long kernelNanos() {
            return end.kernelNanos() - start.kernelNanos();
        }
    }

    /** A state change: "coming", "live", "going". */
    public record StateChange(String state, Stamp at) {
    }

    /**
     * A request_module made by this module's code: from whose thread, for whom, how it ended. A
     * pending request had not returned when the record was read: its end is that moment and its
     * result 0.
     */
    public record Request(String module, boolean synchronous, String thread, Stamp start, Stamp end, int result,
            boolean pending) {
        /** A request that returned. */
        public Request(String module, boolean synchronous, String thread, Stamp start, Stamp end, int result) {
            this(module, synchronous, thread, start, end, result, false);
        }

        public long kernelNanos() {
            return end.kernelNanos() - start.kernelNanos();
        }
    }

    /** Init's duration in kernel time, or 0 when it never ran. */
    public long initKernelNanos() {
        return initStart == null || initEnd == null ? 0 : initEnd.kernelNanos() - initStart.kernelNanos();
    }

    /** Init's duration in real time (its CPU work and real waits), or 0 when it never ran. */
    public long initRealNanos() {
        return initStart == null || initEnd == null ? 0 : initEnd.realNanos() - initStart.realNanos();
    }

    /** Time spent waiting for symbols, in kernel time. */
    public long waitedKernelNanos() {
        return waits.stream().mapToLong(Wait::kernelNanos).sum();
    }
}
