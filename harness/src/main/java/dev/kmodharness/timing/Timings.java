package dev.kmodharness.timing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The init records of one boot: one {@link Recorder} per load, kept in load order. Every
 * method is called with the kernel lock held (it guards all fields here), and none blocks.
 */
public final class Timings {

    private final LongSupplier kernelClock;
    /** Guarded by the kernel lock. */
    private final List<Recorder> loads = new ArrayList<>();

    public Timings(LongSupplier kernelClock) {
        this.kernelClock = kernelClock;
    }

    /** Now, on both clocks. */
    public Stamp now() {
        return new Stamp(kernelClock.getAsLong(), System.nanoTime());
    }

    /** Starts the record of a load. Lock held. */
    public Recorder start(String module, String thread, boolean builtin) {
        Recorder recorder = new Recorder(module, thread, builtin, now());
        loads.add(recorder);
        return recorder;
    }

    /** Every load so far, in the order they began. Lock held. */
    public List<InitRecord> snapshot() {
        List<InitRecord> records = new ArrayList<>(loads.size());
        for (Recorder recorder : loads) {
            records.add(recorder.snapshot());
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
        private Integer result;

        private Recorder(String module, String thread, boolean builtin, Stamp loadStart) {
            this.module = module;
            this.thread = thread;
            this.builtin = builtin;
            this.loadStart = loadStart;
        }

        public void waited(String symbol, String owner, Stamp start, int err) {
            waits.add(new InitRecord.Wait(symbol, owner, start, now(), err));
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

        public void request(String requested, boolean wait, String requestThread, Stamp start, int ret) {
            requests.add(new InitRecord.Request(requested, wait, requestThread, start, now(), ret));
        }

        public void result(int ret) {
            result = ret;
        }

        InitRecord snapshot() {
            return new InitRecord(module, thread, builtin, loadStart, importsResolved, List.copyOf(waits), initStart,
                    initEnd, initReturn, List.copyOf(states), List.copyOf(requests), result);
        }
    }
}
