package dev.kmodharness.kmod;

import static dev.kmodharness.api.Errno.EDEADLK;
import static dev.kmodharness.api.Errno.ENOENT;
import static dev.kmodharness.api.Errno.ETIME;

import dev.kmodharness.lockdep.Resource;
import dev.kmodharness.lockdep.WaitFor;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.module.Modules;
import dev.kmodharness.time.Scheduler;
import dev.kmodharness.time.Scheduler.Wake;
import dev.kmodharness.time.TimerWheel;
import dev.kmodharness.time.WaitQueue;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * request_module of kernel/module/kmod.c: at most {@code kmod_concurrent_max} modprobe runs at
 * once; a request past that waits up to 5 s of kernel time for a slot and then fails with
 * -ETIME. modprobe runs on a worker thread (the usermode helper), never on the caller; a
 * waiting request (UMH_WAIT_PROC) blocks until it exits and returns its wait status, a nowait
 * one (UMH_WAIT_EXEC) returns once it has started. All fields are guarded by the kernel lock.
 */
public final class KmodRequests implements Modules.Requester {

    /** The modprobe this harness runs; any other modprobe_path is a file that is not there. */
    public static final String MODPROBE_PATH = "/sbin/modprobe";
    /** MODULE_NAME_LEN - 1. */
    private static final int MAX_NAME = 55;
    private static final long ALL_BUSY_TIMEOUT_SECONDS = 5;

    private final Scheduler sched;
    private final Dmesg dmesg;
    private final String modprobePath;
    private final int concurrentMax;
    private final ToIntFunction<String> modprobe;
    /** down_timeout's timer: MAX_KMOD_ALL_BUSY_TIMEOUT * HZ through the timer wheel. */
    private final TimerWheel wheel;
    /** kmod_wq: woken when a slot frees. */
    private final WaitQueue kmodWq = new WaitQueue("kmod_wq");
    /** kmod_concurrent_max's free slots. Guarded by the kernel lock. */
    private int slots;
    /** Threads holding a kmod slot. Guarded by the kernel lock. */
    private final Set<Thread> slotHolders = new LinkedHashSet<>();
    /** A free kmod slot, as the wait-for graph sees it: any holder may free one. */
    private final Resource slot = new Resource() {
        @Override
        public String describe() {
            return "kmod slot";
        }

        @Override
        public Collection<Thread> holders() {
            return List.copyOf(slotHolders);
        }
    };

    /**
     * @param modprobe runs {@code modprobe -q -- NAME} and returns its exit status
     * @param wheel the timer wheel the slot wait's timeout fires through
     */
    public KmodRequests(Scheduler sched, Dmesg dmesg, String modprobePath, int concurrentMax,
            ToIntFunction<String> modprobe, TimerWheel wheel) {
        this.wheel = wheel;
        this.sched = sched;
        this.dmesg = dmesg;
        this.modprobePath = modprobePath;
        this.concurrentMax = concurrentMax;
        this.slots = concurrentMax;
        this.modprobe = modprobe;
    }

    /**
     * __request_module. Blocks for: a kmod slot (up to 5 s of kernel time) and, when
     * {@code wait}, the modprobe run to exit.
     *
     * @return 0, 256 when modprobe failed (its wait status), -ENOENT for a missing or empty
     *     modprobe_path, -ENAMETOOLONG for a name longer than a module name, -ETIME when no
     *     slot came free
     */
    @Override
    public int requestModule(String name, boolean wait, String activity) {
        if (modprobePath.isEmpty()) {
            return -ENOENT;
        }
        if (name.length() > MAX_NAME) {
            return -36; // ENAMETOOLONG
        }
        sched.enter();
        sched.lock();
        try {
            // down_timeout(&kmod_concurrent_max, MAX_KMOD_ALL_BUSY_TIMEOUT * HZ)
            long timeout = wheel.timeoutNanos(sched.now(), ALL_BUSY_TIMEOUT_SECONDS * wheel.jiffies().hz());
            Wake wake = sched.waitEvent(kmodWq, () -> slots > 0, timeout, new WaitFor(activity + " requesting " + name, slot));
            if (wake == Wake.DEADLOCK) {
                return -EDEADLK;
            }
            if (wake != Wake.DONE) {
                dmesg.printk("request_module: modprobe " + name + " cannot be processed, kmod busy with "
                        + concurrentMax + " threads for more than " + ALL_BUSY_TIMEOUT_SECONDS + " seconds now");
                return -ETIME;
            }
            slots--;
            slotHolders.add(Thread.currentThread());
            try {
                return callModprobe(name, wait, activity);
            } finally {
                slots++;
                slotHolders.remove(Thread.currentThread());
                sched.wakeUpAll(kmodWq);
            }
        } finally {
            sched.unlock();
            sched.exit();
        }
    }

    /** call_modprobe: lock held; released while waiting for the run to exit. */
    private int callModprobe(String name, boolean wait, String activity) {
        if (!modprobePath.equals(MODPROBE_PATH)) {
            return -ENOENT; // kernel_execve of a file that is not there
        }
        int[] status = {-1};
        WaitQueue exited = new WaitQueue("modprobe " + name);
        Thread worker = sched.spawn("modprobe " + name, () -> {
            int exit = 1;
            try {
                exit = modprobe.applyAsInt(name);
            } finally {
                sched.lock();
                try {
                    status[0] = exit;
                    sched.wakeUpAll(exited);
                } finally {
                    sched.unlock();
                }
            }
        });
        if (!wait) {
            return 0;
        }
        Resource run = new Resource() {
            @Override
            public String describe() {
                return "request_module(" + name + ")";
            }

            @Override
            public Collection<Thread> holders() {
                return status[0] >= 0 ? List.of() : List.of(worker);
            }
        };
        Wake wake = sched.waitEvent(exited, () -> status[0] >= 0, -1, new WaitFor(activity, run));
        if (wake == Wake.DEADLOCK) {
            dmesg.printk("request_module: modprobe " + name + " would deadlock (err -" + EDEADLK + ")");
            return -EDEADLK;
        }
        if (wake != Wake.DONE) {
            return -4; // EINTR: the caller was killed while waiting
        }
        return status[0] << 8;
    }
}
