package dev.kmodharness.time;

import dev.kmodharness.lockdep.DeadlockPolicy;
import dev.kmodharness.lockdep.DeadlockReport;
import dev.kmodharness.lockdep.WaitFor;
import dev.kmodharness.lockdep.WaitForGraph;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The kernel's time and its waits: one lock (the kernel's module_mutex and wait-queue lock in
 * one), the clock, and wait_event_timeout / wake_up_all over {@link WaitQueue}s. Every blocking
 * wait of the harness goes through {@link #waitEvent}, so the virtual clock knows when every
 * task is blocked and may jump to the earliest deadline.
 *
 * <p>A task is a thread doing kernel work: a caller inside a kernel entry point
 * ({@link #enter()}/{@link #exit()}) or a worker made by {@link #spawn}. Under the virtual
 * clock the scheduler counts runnable tasks the way a run queue does: a waker makes a waiter
 * runnable when it wakes it, not when the waiter gets the lock back, so time never jumps while
 * a woken task has yet to run.
 */
public final class Scheduler {

    /** The kernel lock: guards every field below and all module, symbol and request state. */
    final ReentrantLock lock = new ReentrantLock();
    private final ClockMode mode;
    /** Real nanoseconds per kernel nanosecond (REAL mode). */
    private final double scale;
    private final long bootRealNanos = System.nanoTime();

    /** Kernel time in VIRTUAL mode; written with the lock held, read without. */
    private volatile long virtualNow;
    /** Tasks not blocked in a harness wait (VIRTUAL mode). Guarded by lock. */
    int runnable;
    /** Blocked waiters with a deadline, earliest first (VIRTUAL mode). Guarded by lock. */
    final PriorityQueue<Waiter> timed = new PriorityQueue<>(
            (a, b) -> Long.compare(a.deadline, b.deadline));
    /** Threads doing kernel work: entry depth and pid. Guarded by lock. */
    final Map<Thread, Task> tasks = new HashMap<>();
    /** The last pid given; pids are per kernel, so output does not depend on the JVM. Guarded by lock. */
    private int lastPid;
    /** Waiters that are not tasks (callers of awaitQuiescent), woken when the kernel hangs. Guarded by lock. */
    private final List<Waiter> observers = new ArrayList<>();
    /** Woken when the last task exits. */
    final WaitQueue quiescent = new WaitQueue("quiescent");
    /** Woken whenever a task exits. */
    private final WaitQueue exited = new WaitQueue("task exit");
    /** Threads blocked in a harness wait right now. Guarded by lock. */
    final java.util.Set<Thread> parked = new java.util.HashSet<>();
    /** Live worker threads, for close(). Guarded by lock. */
    private final List<Thread> workers = new ArrayList<>();
    /** Who waits for what. Guarded by lock. */
    final WaitForGraph graph;
    private final DeadlockPolicy policy;
    /** Bumped on every wait, wake and task exit: the watchdog's sign of progress. Guarded by lock. */
    long progress;
    /**
     * The CPU of a kernel booted with a schedule (one task runs at a time, the schedule picks
     * which); null without one, when tasks run as the OS schedules them.
     */
    private final Cpu cpu;
    /** Where spawned tasks' threads come from. */
    private final Kthreadd kthreadd;
    /** The lockup detectors' view of the tasks above, with the set of tasks found stuck. */
    final DetectorView detectors = new DetectorView(this);

    /** How a wait with an edge in the wait-for graph ended. */
    public enum Wake {
        /** The condition holds. */
        DONE,
        /** The timeout passed first. */
        TIMEOUT,
        /** The thread was interrupted (the kernel's signal). */
        INTERRUPTED,
        /** The wait closed a cycle and the policy is fail-fast: -EDEADLK. */
        DEADLOCK
    }

    /**
     * @param deadlocks receives each new cycle of the wait-for graph, on the thread closing it,
     *     with the kernel lock held: it must not block
     */
    public Scheduler(ClockMode mode, double timeScale, DeadlockPolicy policy, Consumer<DeadlockReport> deadlocks) {
        this(mode, timeScale, policy, deadlocks, null);
    }

    /**
     * @param schedule decides which task runs at each scheduling point (one at a time); null
     *     for none. A schedule needs the virtual clock.
     */
    public Scheduler(ClockMode mode, double timeScale, DeadlockPolicy policy, Consumer<DeadlockReport> deadlocks,
            ScheduleControl schedule) {
        this(mode, timeScale, policy, deadlocks, schedule, Kthreadd.unpooled());
    }

    /** @param kthreadd where the threads of {@link #spawn}ed tasks come from */
    public Scheduler(ClockMode mode, double timeScale, DeadlockPolicy policy, Consumer<DeadlockReport> deadlocks,
            ScheduleControl schedule, Kthreadd kthreadd) {
        this.kthreadd = kthreadd;
        this.cpu = schedule == null ? null : new Cpu(schedule, mode);
        if (!(timeScale > 0)) {
            throw new IllegalArgumentException("time scale must be positive: " + timeScale);
        }
        this.mode = mode;
        this.scale = timeScale;
        this.policy = policy;
        this.graph = new WaitForGraph(deadlocks, this::comm);
    }

    public ClockMode mode() {
        return mode;
    }

    /** Kernel time since boot, in nanoseconds. Never blocks. */
    public long now() {
        if (mode == ClockMode.VIRTUAL) {
            return virtualNow;
        }
        return (long) ((System.nanoTime() - bootRealNanos) / scale);
    }

    /**
     * Takes the kernel lock. Under a schedule, a task taking it (not holding it) is at a
     * scheduling point: another may run first. Waits for: the lock (and the CPU).
     */
    public void lock() {
        lock.lock();
        if (cpu != null && lock.getHoldCount() == 1) {
            Task me = tasks.get(Thread.currentThread());
            if (me != null) {
                cpu.point(me, tasks.values());
            }
        }
    }

    public void unlock() {
        lock.unlock();
    }

    /** The calling thread starts kernel work (nests). Takes the lock briefly; never blocks on it for long. */
    public void enter() {
        lock.lock();
        try {
            Task task = tasks.get(Thread.currentThread());
            if (task == null) {
                task = newTask(Thread.currentThread());
                runnable++;
                if (cpu != null) {
                    cpu.effect(ScheduleControl.Kind.SPAWN, Thread.currentThread().getName(), 1);
                    cpu.awaitTurn(task);
                }
            } else {
                task.depth++;
            }
        } finally {
            lock.unlock();
        }
    }

    /** The calling thread ends the kernel work begun by the matching {@link #enter()}. */
    public void exit() {
        lock();
        try {
            Task task = tasks.get(Thread.currentThread());
            if (task == null) {
                throw new IllegalStateException("exit() without enter() on " + Thread.currentThread());
            }
            if (--task.depth == 0) {
                tasks.remove(Thread.currentThread());
                runnable--;
                progress++;
                wakeUpAll(exited);
                if (tasks.isEmpty()) {
                    wakeUpAll(quiescent);
                }
                advanceIfIdle();
                if (cpu != null) {
                    cpu.effect(ScheduleControl.Kind.EXIT, "", 1);
                    cpu.release(task, tasks.values());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts a kernel worker thread (a usermode helper, a work item) that runs {@code body} as
     * a task. The new task counts as runnable from this call on, before the thread runs.
     */
    public Thread spawn(String name, Runnable body) {
        Kthreadd.Kthread kthread = kthreadd.create(name);
        Thread thread = kthread.thread;
        lock.lock();
        try {
            newTask(thread);
            runnable++;
            workers.add(thread);
            if (cpu != null) {
                cpu.effect(ScheduleControl.Kind.SPAWN, name, 1);
            }
        } finally {
            lock.unlock();
        }
        kthread.start(() -> {
            if (cpu != null) {
                lock.lock();
                try {
                    cpu.awaitTurn(tasks.get(Thread.currentThread()));
                } finally {
                    lock.unlock();
                }
            }
            try {
                body.run();
            } finally {
                lock.lock();
                try {
                    workers.remove(Thread.currentThread());
                } finally {
                    lock.unlock();
                }
                exit();
            }
        });
        return thread;
    }

    /**
     * wait_event_interruptible_timeout without an edge in the wait-for graph (msleep, waiting
     * for the kernel to go idle). See {@link #waitEvent(WaitQueue, BooleanSupplier, long, WaitFor)}.
     *
     * @return true when the condition holds, false when time ran out or the thread was interrupted
     */
    public boolean waitEvent(WaitQueue queue, BooleanSupplier condition, long timeoutNanos) {
        return waitEvent(queue, condition, timeoutNanos, null) == Wake.DONE;
    }

    /**
     * wait_event_interruptible_timeout: with the lock held, blocks until {@code condition}
     * holds, re-checking it on every wake-up of {@code queue}; releases the lock while blocked.
     * Waits for: a {@link #wakeUpAll} of {@code queue}, or {@code timeoutNanos} of kernel time
     * (negative: no timeout), or an interrupt (taken as the kernel takes a signal). While
     * blocked, the thread is an edge of the wait-for graph to {@code edge}'s resource; an edge
     * that closes a cycle is reported at once, and under fail-fast the wait ends there.
     */
    public Wake waitEvent(WaitQueue queue, BooleanSupplier condition, long timeoutNanos, WaitFor edge) {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("waitEvent needs the kernel lock");
        }
        long called = System.nanoTime();
        if (condition.getAsBoolean()) {
            return Wake.DONE;
        }
        long deadline = timeoutNanos < 0 ? Long.MAX_VALUE : saturatedAdd(now(), timeoutNanos);
        if (edge != null) {
            DeadlockReport cycle = graph.add(edge, now(), called);
            if (cycle != null && policy == DeadlockPolicy.FAIL_FAST) {
                graph.remove();
                return Wake.DEADLOCK;
            }
        }
        try {
            return block(queue, condition, deadline, edge == null ? queue.toString() : edge.activity());
        } finally {
            if (edge != null) {
                graph.remove();
            }
        }
    }

    /**
     * Records that the current thread is about to block outside the harness (the JVM's class
     * initialization, with the gate off) on {@code edge}, reports a cycle that closes, and
     * removes the edge again. Lock held.
     *
     * @return the cycle, or null
     */
    public DeadlockReport probe(WaitFor edge) {
        try {
            return graph.add(edge, now(), System.nanoTime());
        } finally {
            graph.remove();
        }
    }

    public DeadlockPolicy deadlockPolicy() {
        return policy;
    }

    /** Every cycle reported so far. */
    public List<DeadlockReport> deadlocks() {
        lock.lock();
        try {
            return graph.reports();
        } finally {
            lock.unlock();
        }
    }

    /** @param what what the wait is for, as an interleaving shows it */
    private Wake block(WaitQueue queue, BooleanSupplier condition, long deadline, String what) {
        Task task = mode == ClockMode.VIRTUAL ? tasks.get(Thread.currentThread()) : null;
        boolean counted = task != null;
        // Under a schedule a task is woken, and given the CPU, on its own turn condition.
        Waiter waiter = cpu != null && counted ? new Waiter(task, deadline) : new Waiter(lock.newCondition(), deadline, counted);
        while (true) {
            if (now() >= deadline) {
                return Wake.TIMEOUT;
            }
            waiter.woken = false;
            queue.waiters.add(waiter);
            progress++;
            if (waiter.task != null) {
                waiter.task.blocked = true;
                cpu.effect(ScheduleControl.Kind.WAIT, what, 1);
            }
            if (mode == ClockMode.VIRTUAL) {
                if (counted) {
                    runnable--;
                }
                if (deadline != Long.MAX_VALUE) {
                    timed.add(waiter);
                }
                advanceIfIdle();
            }
            if (waiter.task != null) {
                cpu.release(waiter.task, tasks.values());
            }
            parked.add(Thread.currentThread());
            switched(Thread.currentThread());
            if (!counted) {
                observers.add(waiter);
            }
            boolean interrupted;
            try {
                interrupted = !park(waiter);
            } finally {
                parked.remove(Thread.currentThread());
                observers.remove(waiter);
            }
            queue.waiters.remove(waiter);
            if (interrupted) {
                wake(waiter);
                Thread.currentThread().interrupt();
                return condition.getAsBoolean() ? Wake.DONE : Wake.INTERRUPTED;
            }
            if (condition.getAsBoolean()) {
                return Wake.DONE;
            }
        }
    }

    /** Sleeps {@code nanos} of kernel time (msleep). Lock not held on entry. */
    public void sleep(long nanos) {
        WaitQueue nobody = new WaitQueue("msleep");
        lock.lock();
        try {
            waitEvent(nobody, () -> false, nanos);
        } finally {
            lock.unlock();
        }
    }

    /** wake_up_all: makes every waiter on {@code queue} runnable. Lock held. */
    public void wakeUpAll(WaitQueue queue) {
        if (cpu != null) {
            cpu.effect(ScheduleControl.Kind.WAKE, queue.toString(), queue.waiters.size());
        }
        for (Waiter waiter : queue.waiters) {
            wake(waiter);
        }
    }

    /**
     * Whether the kernel is hung: under the virtual clock, every task is blocked in a harness
     * wait that has no deadline, so nothing inside the kernel can ever wake one. Lock held.
     */
    public boolean hung() {
        return mode == ClockMode.VIRTUAL && !tasks.isEmpty() && runnable == 0 && timed.isEmpty();
    }

    /**
     * Waits, from outside the kernel (the caller must not be a task), until no task is left,
     * or until the kernel is {@link #hung()}, or a detector has found a task stuck
     * ({@code DetectorView#stuck}).
     * Waits for: the last task's exit, or the hang.
     *
     * @return true when no task is left, false when the kernel is hung or a task is stuck
     */
    public boolean awaitQuiescent() {
        lock.lock();
        try {
            if (tasks.containsKey(Thread.currentThread())) {
                throw new IllegalStateException("a kernel task cannot wait for the kernel to be idle");
            }
            waitEvent(quiescent, () -> tasks.isEmpty() || hung() || detectors.anyStuck(), -1);
            return tasks.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * wait(2) for tasks: blocks, as a harness wait the virtual clock sees, until none of
     * {@code threads} is a task any more. Waits for: their exits.
     *
     * @return true when all have exited, false when the caller was interrupted first
     */
    public boolean join(Collection<Thread> threads) {
        lock.lock();
        try {
            return waitEvent(exited, () -> threads.stream().noneMatch(tasks::containsKey), -1);
        } finally {
            lock.unlock();
        }
    }

    /** The workers still running, a snapshot (for checking that none is left behind). */
    public List<Thread> workers() {
        lock.lock();
        try {
            return List.copyOf(workers);
        } finally {
            lock.unlock();
        }
    }

    /** Counts a context switch of {@code thread}: it is entering a harness wait, so is stuck no more. Lock held. */
    private void switched(Thread thread) {
        Task task = tasks.get(thread);
        if (task != null) {
            task.switches++;
            detectors.unstuck(thread);
        }
    }

    /**
     * Under a schedule, from outside the kernel: waits until no task is left, the kernel is hung,
     * or no step began for {@code stallNanos} of real time. Waits for: the CPU to go free.
     */
    public Settled awaitSettled(long stallNanos) {
        if (cpu == null) {
            throw new IllegalStateException("not a kernel booted with a schedule");
        }
        return cpu.awaitSettled(lock, stallNanos, tasks::isEmpty, this::hung);
    }

    /**
     * Gives up a stalled or hung schedule: no task runs again, each task's thread is renamed
     * {@code label: NAME} and left parked. Returns the stalled CPU holder's report, if any; null
     * when the stalled task holds the kernel lock (then the kernel cannot be closed).
     */
    public List<String> abandon(String label, long stallNanos) {
        return cpu.abandon(lock, label, stallNanos, tasks.values());
    }

    /** Interrupts every worker still running; for shutting a kernel down. */
    public void interruptWorkers() {
        lock.lock();
        try {
            workers.forEach(Thread::interrupt);
        } finally {
            lock.unlock();
        }
    }

    /** Waits for: the waiter's wake-up (VIRTUAL) or also its deadline in real time (REAL). */
    private boolean park(Waiter waiter) {
        if (waiter.task != null) {
            // Under a schedule: woken, then handed the CPU; a signal does not end the wait.
            cpu.awaitTurn(waiter.task);
            return true;
        }
        try {
            if (mode == ClockMode.VIRTUAL) {
                while (!waiter.woken) {
                    waiter.condition.await();
                }
                return true;
            }
            while (!waiter.woken) {
                long remaining = realNanosUntil(waiter.deadline);
                if (remaining <= 0) {
                    return true;
                }
                waiter.condition.awaitNanos(remaining);
            }
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private void wake(Waiter waiter) {
        if (waiter.woken) {
            return;
        }
        waiter.woken = true;
        progress++;
        if (waiter.counted) {
            runnable++;
        }
        if (waiter.task != null) {
            waiter.task.blocked = false;
        }
        if (mode == ClockMode.VIRTUAL && waiter.deadline != Long.MAX_VALUE) {
            timed.remove(waiter);
        }
        waiter.condition.signal();
    }

    /**
     * VIRTUAL: when no task can run, time jumps to the earliest deadline; with no deadline
     * either, the kernel is hung, and whoever watches from outside is told. Lock held.
     */
    private void advanceIfIdle() {
        if (mode != ClockMode.VIRTUAL || runnable > 0) {
            return;
        }
        if (timed.isEmpty()) {
            if (!tasks.isEmpty()) {
                List.copyOf(observers).forEach(this::wake);
            }
            return;
        }
        long target = timed.peek().deadline;
        if (target > virtualNow) {
            virtualNow = target;
            if (cpu != null) {
                cpu.effect(ScheduleControl.Kind.TIME, dev.kmodharness.log.Dmesg.seconds(target), 1);
            }
        }
        while (!timed.isEmpty() && timed.peek().deadline <= virtualNow) {
            wake(timed.peek());
        }
    }

    private long realNanosUntil(long kernelDeadline) {
        if (kernelDeadline == Long.MAX_VALUE) {
            return TimeUnit.DAYS.toNanos(365);
        }
        return (long) ((kernelDeadline - now()) * scale);
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    /**
     * A thread as the kernel's logs name a task, "comm/pid": its name and its pid in this
     * kernel (0 for a thread that is not a task). Lock held.
     */
    public String comm(Thread thread) {
        return thread.getName() + "/" + pid(thread);
    }

    /** The pid of {@code thread} in this kernel, 0 when it is not a task. Lock held. */
    public int pid(Thread thread) {
        Task task = tasks.get(thread);
        return task == null ? 0 : task.pid;
    }

    /** Registers {@code thread} as a new task with the next pid. Lock held. */
    private Task newTask(Thread thread) {
        Task task = new Task(++lastPid, thread, cpu == null ? null : lock.newCondition());
        tasks.put(thread, task);
        return task;
    }
}
