package dev.kmodharness.timing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The init records of one boot: one {@link Recorder} per load, kept in load order, at most
 * {@code capacity} of them. Like the printk ring, a kernel that loads and unloads for ever keeps
 * only the latest: past the capacity the oldest finished load is dropped (a load still running
 * is kept while any finished one can go). Every method is called with the kernel lock held (it
 * guards all fields here), and none blocks.
 */
public final class Timings {

    private final LongSupplier kernelClock;
    private final int capacity;
    /** Guarded by the kernel lock. */
    private final ArrayDeque<Recorder> loads = new ArrayDeque<>();

    /** @param capacity at least 1 ({@link dev.kmodharness.Kernel.Builder#timingRecords} checks) */
    public Timings(LongSupplier kernelClock, int capacity) {
        this.kernelClock = kernelClock;
        this.capacity = capacity;
    }

    /** Now, on both clocks. */
    public Stamp now() {
        return new Stamp(kernelClock.getAsLong(), System.nanoTime());
    }

    /** Starts the record of a load. Lock held. */
    public Recorder start(String module, String thread, boolean builtin) {
        Recorder recorder = new Recorder(module, thread, builtin, now());
        if (loads.size() == capacity) {
            dropOldest();
        }
        loads.addLast(recorder);
        return recorder;
    }

    /** Drops the oldest finished load, or the oldest of all when none has finished. */
    private void dropOldest() {
        for (Iterator<Recorder> it = loads.iterator(); it.hasNext(); ) {
            if (it.next().result != null) {
                it.remove();
                return;
            }
        }
        loads.removeFirst();
    }

    /** Every load so far, in the order they began. Lock held. */
    public List<InitRecord> snapshot() {
        List<InitRecord> records = new ArrayList<>(loads.size());
        Stamp at = now();
        for (Recorder recorder : loads) {
            records.add(recorder.snapshot(at));
        }
        return records;
    }

    /** One load's record while it is being written. Guarded by the kernel lock. */
    public final class Recorder {
        private final String module;
        private final String thread;
        private final boolean builtin;
        private final Stamp loadStart;
        private Stamp importsResolved;
        private final List<InitRecord.Wait> waits = new ArrayList<>();
        private Stamp initStart;
        private Stamp initEnd;
        private int initReturn;
        private final List<InitRecord.StateChange> states = new ArrayList<>();
        private final List<InitRecord.Request> requests = new ArrayList<>();
        /** Waits begun and not yet ended, oldest first. */
        private final List<InitRecord.Wait> pendingWaits = new ArrayList<>();
        /** request_module calls made and not yet returned, oldest first. */
        private final List<InitRecord.Request> pendingRequests = new ArrayList<>();
        private Integer result;

        private Recorder(String module, String thread, boolean builtin, Stamp loadStart) {
            this.module = module;
            this.thread = thread;
            this.builtin = builtin;
            this.loadStart = loadStart;
        }

        /** A wait begins: pending until {@link #waited}. */
        public InitRecord.Wait waiting(String symbol, String owner) {
            InitRecord.Wait wait = new InitRecord.Wait(symbol, owner, now(), null, 0, true);
            pendingWaits.add(wait);
            return wait;
        }

        /** The wait {@link #waiting} began ended with {@code err}. */
        public void waited(InitRecord.Wait wait, int err) {
            pendingWaits.remove(wait);
            waits.add(new InitRecord.Wait(wait.symbol(), wait.owner(), wait.start(), now(), err));
        }

        public void importsResolved() {
            importsResolved = now();
        }

        public void initStart() {
            initStart = now();
        }

        public void initEnd(int ret) {
            initEnd = now();
            initReturn = ret;
        }

        public void state(String state) {
            states.add(new InitRecord.StateChange(state, now()));
        }

        /** A request_module call begins: pending until {@link #requested}. */
        public InitRecord.Request requesting(String requested, boolean wait, String requestThread) {
            InitRecord.Request request = new InitRecord.Request(requested, wait, requestThread, now(), null, 0, true);
            pendingRequests.add(request);
            return request;
        }

        /** The call {@link #requesting} began returned {@code ret}. */
        public void requested(InitRecord.Request request, int ret) {
            pendingRequests.remove(request);
            requests.add(new InitRecord.Request(request.module(), request.synchronous(), request.thread(),
                    request.start(), now(), ret));
        }

        public void result(int ret) {
            result = ret;
        }

        /** The record as of {@code at}: what is still pending ends there, marked pending. */
        InitRecord snapshot(Stamp at) {
            List<InitRecord.Wait> allWaits = new ArrayList<>(waits);
            for (InitRecord.Wait w : pendingWaits) {
                allWaits.add(new InitRecord.Wait(w.symbol(), w.owner(), w.start(), at, 0, true));
            }
            List<InitRecord.Request> allRequests = new ArrayList<>(requests);
            for (InitRecord.Request q : pendingRequests) {
                allRequests.add(
                        new InitRecord.Request(q.module(), q.synchronous(), q.thread(), q.start(), at, 0, true));
            }
            return new InitRecord(module, thread, builtin, loadStart, importsResolved, List.copyOf(allWaits),
                    initStart, initEnd, initReturn, List.copyOf(states), List.copyOf(allRequests), result);
        }
    }
}
