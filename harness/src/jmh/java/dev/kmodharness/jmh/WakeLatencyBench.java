package dev.kmodharness.jmh;

import dev.kmodharness.Kernel;
import dev.kmodharness.junit.PluginBuilder;
import dev.kmodharness.lockdep.DeadlockPolicy;
import dev.kmodharness.lockdep.Resource;
import dev.kmodharness.lockdep.WaitFor;
import dev.kmodharness.module.ModuleEvent;
import dev.kmodharness.module.ModuleState;
import dev.kmodharness.time.ClockMode;
import dev.kmodharness.time.Scheduler;
import dev.kmodharness.time.WaitQueue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Wake latency: from a module going LIVE to a thread waiting for it running, beside a raw
 * {@link Condition} signal to a waiting thread. Sample time; compare the medians (p0.50).
 *
 * <p><b>moduleLive / rawCondition</b> (one-way, each invocation set up afresh, untimed): thread X
 * is parked (in module a's init, or before a raw signal) and thread Y is blocked (in b's
 * resolve_symbol_wait for a's symbol while a is COMING, or in {@code Condition.await}). Timed:
 * {@code LockSupport.unpark(X)}; X returns from its park and, for the harness, finishes a's init,
 * do_init_module makes a LIVE and wakes module_wq, Y runs, resolves the symbol and goes on to
 * make b COMING, whose module notifier sets a flag; for the raw case X signals the condition and
 * Y, once running, sets the flag. The benchmark thread spins on the flag. The two differ only
 * between X's wake-up and Y's: the harness's whole path from a's init returning to Y running
 * (and b's class loader made) against one lock, signal and unlock.
 *
 * <p><b>schedulerPingPong / conditionPingPong</b> (round trips, two threads): the same wait the
 * module path uses, {@link Scheduler#waitEvent} with a 30 s kernel-time timeout and a wait-for
 * edge, woken by {@link Scheduler#wakeUpAll} under the kernel lock, against a
 * {@link ReentrantLock} and two {@link Condition}s. One op is two wake-ups.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WakeLatencyBench {

    static final long TIMEOUT = TimeUnit.SECONDS.toNanos(30);

    // ---- one-way: a module going LIVE, the waiter running ----

    /** A kernel with a (init parks outside the harness) and b (imports a's symbol). */
    @State(Scope.Thread)
    public static class ModuleLive {
        Kernel kernel;
        volatile boolean formed;
        Thread x;
        Thread y;

        @Setup(Level.Trial)
        public void boot() throws IOException {
            Path dir = Files.createTempDirectory("kmod-jmh-wake-");
            PluginBuilder.plugin("a").license("GPL").exportsGpl("a_sym").parksOutsideHarness().exit().writeTo(dir);
            PluginBuilder.plugin("b").license("GPL").imports("a", "a_sym").exit().writeTo(dir);
            kernel = Kernel.builder().modules(dir).watchdog(Duration.ZERO).notifier((ModuleEvent e) -> {
                if (e.state() == ModuleState.COMING && e.module().equals("b")) {
                    formed = true;
                }
            }).build();
        }

        @Setup(Level.Invocation)
        public void arm() throws InterruptedException {
            for (int attempt = 0; ; attempt++) {
                formed = false;
                x = new Thread(() -> kernel.modprobe("a"), "modprobe a");
                x.start();
                boolean ready = waitFor(x, frame -> frame.getClassName().equals("kmodtest.a.init.Init"))
                        && kernel.state("a").equals(Optional.of(ModuleState.COMING));
                if (ready) {
                    y = new Thread(() -> kernel.modprobe("b"), "modprobe b");
                    y.start();
                    ready = waitFor(y, frame -> frame.getClassName().equals(Scheduler.class.getName())
                            && frame.getMethodName().equals("park"));
                }
                if (ready) {
                    return;
                }
                // a's park returned spuriously, or a went LIVE first: start again
                LockSupport.unpark(x);
                disarm();
                if (attempt == 10) {
                    throw new IllegalStateException("could not get b waiting for a COMING");
                }
            }
        }

        @TearDown(Level.Invocation)
        public void disarm() throws InterruptedException {
            x.join();
            if (y != null) {
                y.join();
            }
            if (y != null && !kernel.state("b").equals(Optional.of(ModuleState.LIVE))) {
                throw new IllegalStateException("b is not LIVE: " + kernel.dmesg());
            }
            kernel.rmmod("b");
            if (kernel.rmmod("a") != 0) {
                throw new IllegalStateException("a not removed: " + kernel.lsmod());
            }
            y = null;
        }

        @TearDown(Level.Trial)
        public void shutdown() {
            kernel.close();
        }
    }

    /** The raw counterpart: X parked, Y in Condition.await. */
    @State(Scope.Thread)
    public static class RawLive {
        final ReentrantLock lock = new ReentrantLock();
        final Condition live = lock.newCondition();
        boolean isLive;
        volatile boolean go;
        volatile boolean ran;
        Thread x;
        Thread y;

        @Setup(Level.Invocation)
        public void arm() throws InterruptedException {
            go = false;
            ran = false;
            isLive = false;
            x = new Thread(() -> {
                while (!go) {
                    LockSupport.park();
                }
                lock.lock();
                try {
                    isLive = true;
                    live.signalAll();
                } finally {
                    lock.unlock();
                }
            }, "raw x");
            y = new Thread(() -> {
                lock.lock();
                try {
                    while (!isLive) {
                        live.awaitUninterruptibly();
                    }
                } finally {
                    lock.unlock();
                }
                ran = true;
            }, "raw y");
            x.start();
            y.start();
            if (!waitFor(x, frame -> frame.getClassName().equals(LockSupport.class.getName()))
                    || !waitFor(y, frame -> frame.getMethodName().equals("awaitUninterruptibly"))) {
                throw new IllegalStateException("raw threads did not block");
            }
        }

        @TearDown(Level.Invocation)
        public void disarm() throws InterruptedException {
            x.join();
            y.join();
        }
    }

    /** Waits, untimed, until {@code thread} is blocked with a frame matching {@code where} on its stack. */
    static boolean waitFor(Thread thread, Predicate<StackTraceElement> where) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            Thread.State state = thread.getState();
            if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
                for (StackTraceElement frame : thread.getStackTrace()) {
                    if (where.test(frame)) {
                        return true;
                    }
                }
            }
            if (state == Thread.State.TERMINATED) {
                return false;
            }
            Thread.sleep(0, 50_000);
        }
        return false;
    }

    @Benchmark
    public boolean moduleLive(ModuleLive s) {
        LockSupport.unpark(s.x);
        while (!s.formed) {
            Thread.onSpinWait();
        }
        return true;
    }

    @Benchmark
    public boolean rawCondition(RawLive s) {
        s.go = true;
        LockSupport.unpark(s.x);
        while (!s.ran) {
            Thread.onSpinWait();
        }
        return true;
    }

    // ---- round trips: the scheduler's wait against a raw condition ----

    /** Two kernel tasks ping-ponging through waitEvent / wakeUpAll. */
    @State(Scope.Thread)
    public static class SchedulerPingPong {
        final Scheduler sched = new Scheduler(ClockMode.VIRTUAL, 1.0 / 120, DeadlockPolicy.REPORT, r -> { });
        final WaitQueue pingQ = new WaitQueue("ping");
        final WaitQueue pongQ = new WaitQueue("pong");
        long pingSeq;
        long pongSeq;
        long seen;
        boolean stop;
        Thread echo;
        Thread bench;

        /** What a waiter waits for, held by the other thread until it has acted (as a COMING module is). */
        final class Pending implements Resource {
            final boolean ping;

            Pending(boolean ping) {
                this.ping = ping;
            }

            @Override
            public String describe() {
                return ping ? "ping" : "pong";
            }

            @Override
            public Collection<Thread> holders() {
                if (ping) {
                    return pingSeq == seen ? List.of(bench) : List.of();
                }
                return pongSeq < pingSeq ? List.of(echo) : List.of();
            }
        }

        @Setup(Level.Trial)
        public void start() {
            bench = Thread.currentThread();
            sched.enter();
            WaitFor echoEdge = new WaitFor("echo waiting for ping", new Pending(true));
            echo = new Thread(() -> {
                sched.enter();
                sched.lock();
                try {
                    while (!stop) {
                        sched.waitEvent(pingQ, () -> pingSeq != seen || stop, TIMEOUT, echoEdge);
                        seen = pingSeq;
                        pongSeq = pingSeq;
                        sched.wakeUpAll(pongQ);
                    }
                } finally {
                    sched.unlock();
                    sched.exit();
                }
            }, "echo");
            echo.start();
        }

        final WaitFor benchEdge = new WaitFor("bench waiting for pong", new Pending(false));

        void roundTrip() {
            sched.lock();
            try {
                long want = ++pingSeq;
                sched.wakeUpAll(pingQ);
                sched.waitEvent(pongQ, () -> pongSeq >= want, TIMEOUT, benchEdge);
            } finally {
                sched.unlock();
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            sched.lock();
            try {
                stop = true;
                sched.wakeUpAll(pingQ);
            } finally {
                sched.unlock();
            }
            echo.join();
            sched.exit();
            if (!sched.deadlocks().isEmpty()) {
                throw new IllegalStateException("false cycle: " + sched.deadlocks());
            }
        }
    }

    /** Two threads ping-ponging through one ReentrantLock and two Conditions. */
    @State(Scope.Thread)
    public static class ConditionPingPong {
        final ReentrantLock lock = new ReentrantLock();
        final Condition ping = lock.newCondition();
        final Condition pong = lock.newCondition();
        long pingSeq;
        long pongSeq;
        boolean stop;
        Thread echo;

        @Setup(Level.Trial)
        public void start() {
            echo = new Thread(() -> {
                lock.lock();
                try {
                    long seen = 0;
                    while (!stop) {
                        while (pingSeq == seen && !stop) {
                            ping.awaitUninterruptibly();
                        }
                        seen = pingSeq;
                        pongSeq = pingSeq;
                        pong.signalAll();
                    }
                } finally {
                    lock.unlock();
                }
            }, "echo");
            echo.start();
        }

        void roundTrip() {
            lock.lock();
            try {
                long want = ++pingSeq;
                ping.signalAll();
                while (pongSeq < want) {
                    pong.awaitUninterruptibly();
                }
            } finally {
                lock.unlock();
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            lock.lock();
            try {
                stop = true;
                ping.signalAll();
            } finally {
                lock.unlock();
            }
            echo.join();
        }
    }

    @Benchmark
    public void schedulerPingPong(SchedulerPingPong s) {
        s.roundTrip();
    }

    @Benchmark
    public void conditionPingPong(ConditionPingPong s) {
        s.roundTrip();
    }
}
