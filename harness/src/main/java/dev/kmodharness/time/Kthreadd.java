package dev.kmodharness.time;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Where the threads of kernel tasks come from: the kernel's kthreadd, which creates kernel
 * threads, with a pool. A task's thread is a new JVM thread, or, when this pool keeps threads
 * ({@link #pooled}), one whose last task has ended: starting a JVM thread takes hundreds of
 * microseconds (it maps a stack and unmaps it at the end, under the process's memory lock),
 * more than the rest of a short schedule, and exploration runs kernels one after another.
 *
 * <p>A thread goes back to the pool only in a clean state: its task returned, its name, context
 * class loader and priority reset, its interrupt cleared. One whose task threw, or that has run
 * {@link #MAX_USES} tasks, ends instead, so a module's thread-local value (which can pin its class
 * loader) is dropped after a bounded number of runs; an idle thread ends after
 * {@link #IDLE_TIMEOUT_NANOS}, and all idle ones at {@link #close()}. Tasks of later kernels see
 * nothing of earlier ones: thread locals are per class loader, and each kernel loads its modules
 * afresh. Threads are daemons. No static state: one pool per owner (an exploration job).
 */
public final class Kthreadd implements AutoCloseable {

    /** Tasks one pooled thread runs before it ends. */
    static final int MAX_USES = 256;
    /** How long an idle pooled thread waits for a task before it ends. */
    static final long IDLE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** How many idle threads the pool keeps; 0: every task gets a new thread. */
    private final int keep;
    /** Guards {@link #idle} and {@link #closed}. */
    private final Object lock = new Object();
    /** Idle pooled threads, the most recently used first. Guarded by lock. */
    private final ArrayDeque<Kthread> idle = new ArrayDeque<>();
    /** Set by close(): no thread is kept any more. Guarded by lock. */
    private boolean closed;
    /** Handed to an idle thread to end it. */
    private static final Runnable STOP = () -> { };

    /**
     * The context class loader of every thread of this pool, the creator's: a thread started from
     * module code (a request_module worker) must not inherit that module's loader.
     */
    private final ClassLoader context = Thread.currentThread().getContextClassLoader();

    private Kthreadd(int keep) {
        this.keep = keep;
    }

    /** No pool: each task runs on a new thread, which ends with it (a kernel's default). */
    public static Kthreadd unpooled() {
        return new Kthreadd(0);
    }

    /** A pool keeping up to {@code keep} idle threads, for kernels booted one after another. */
    public static Kthreadd pooled(int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep at least one thread: " + keep);
        }
        return new Kthreadd(keep);
    }

    /**
     * A thread for a task named {@code name}, not yet running it: the caller registers it, then
     * {@link Kthread#start starts} the task on it.
     */
    Kthread create(String name) {
        Kthread t;
        synchronized (lock) {
            t = idle.pollFirst();
        }
        if (t == null) {
            t = new Kthread();
        }
        t.thread.setName(name);
        return t;
    }

    /** Ends every idle thread; threads running a task end with it. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            for (Kthread t : idle) {
                t.hand(STOP);
            }
            idle.clear();
        }
    }

    /** Takes {@code t}, whose task ended cleanly, back: whether it is kept. */
    private boolean park(Kthread t) {
        synchronized (lock) {
            if (closed || idle.size() >= keep || t.uses >= MAX_USES) {
                return false;
            }
            idle.addFirst(t);
            return true;
        }
    }

    /** An idle thread timed out: whether it left the pool (false: it was just taken for a task). */
    private boolean expire(Kthread t) {
        synchronized (lock) {
            return idle.remove(t);
        }
    }

    /** One thread of the pool and the task it runs next. */
    final class Kthread {
        final Thread thread;
        /** The next task to run; guarded by this object's monitor. */
        private Runnable next;
        /** Tasks run so far; only this thread reads and writes it. */
        private int uses;
        private Kthread() {
            this.thread = new Thread(this::loop);
            this.thread.setDaemon(true);
            this.thread.setContextClassLoader(context);
        }

        /** Runs {@code body} on this thread: starts it, or wakes it from the pool. */
        void start(Runnable body) {
            hand(body);
            if (thread.getState() == Thread.State.NEW) {
                thread.start();
            }
        }

        private synchronized void hand(Runnable body) {
            next = body;
            notifyAll();
        }

        /**
         * The next task, or null when this thread should end. Waits for: a task handed over,
         * or the idle timeout (then it ends unless it was taken for a task meanwhile).
         */
        private synchronized Runnable take() {
            long end = System.nanoTime() + IDLE_TIMEOUT_NANOS;
            while (next == null) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    if (expire(this)) {
                        return null;
                    }
                    // taken for a task at the last moment: its body is about to be handed over
                    end = System.nanoTime() + IDLE_TIMEOUT_NANOS;
                    continue;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    // an interrupt meant for the task that just ended: not for the idle thread
                }
            }
            Runnable body = next;
            next = null;
            return body == STOP ? null : body;
        }

        private void loop() {
            Runnable body = take();
            while (body != null) {
                try {
                    body.run();
                } catch (Throwable thrown) {
                    // as an unpooled thread's end would: its handler reports it; the thread is not reused
                    Thread.UncaughtExceptionHandler handler = thread.getUncaughtExceptionHandler();
                    handler.uncaughtException(thread, thrown);
                    return;
                }
                thread.setName("kthreadd idle");
                thread.setContextClassLoader(context);
                thread.setPriority(Thread.NORM_PRIORITY);
                thread.setUncaughtExceptionHandler(null);
                Thread.interrupted();
                uses++;
                if (!park(this)) {
                    return;
                }
                body = take();
            }
        }
    }
}
