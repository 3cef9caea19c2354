package dev.kmodharness.lockdep.jvm;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.lockdep.DeadlockReport;
import dev.kmodharness.lockdep.jvm.fixture.PeerLoader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Lockdep for any JVM: real threads form each kind of cycle the JVM can show (class
 * initialization, monitors, java.util.concurrent locks, Thread.join), and the sampler names
 * every thread, what it waits for and who holds it, once. Cycles a thread can leave (a join,
 * an interruptible lock) are formed here and broken by an interrupt; those no thread can leave
 * (two static initializers, two monitors) are formed in a child JVM, destroyed after.
 */
class JvmLockdepTest {

    private static final String FIXTURE = "dev.kmodharness.lockdep.jvm.fixture.";
    private static final Duration PERIOD = Duration.ofMillis(20);
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final ThreadGroup group = new ThreadGroup("jvm lockdep test");

    private JvmLockdep lockdep() {
        return JvmLockdep.builder().period(PERIOD).threads(t -> t.getThreadGroup() == group).stderr(false).start();
    }

    private Thread thread(String name, Runnable body) {
        Thread t = new Thread(group, body, name);
        t.setDaemon(true);
        return t;
    }

    private static String comm(Thread t) {
        return t.getName() + "/" + t.getId();
    }

    private static Set<DeadlockReport.Link> links(DeadlockReport report) {
        return Set.copyOf(report.links());
    }

    /**
     * The seed on the plain JVM: i915's static initializer joins a "modprobe kvmgt" thread
     * whose kvmgt initializer calls into i915, each class in a loader of its own.
     */
    @Test
    void seedsClassInitAndJoinCycleIsNamedOnceWithBothThreadsAndTheClass() throws Exception {
        Map<String, PeerLoader> loaders = PeerLoader.peers(getClass().getClassLoader(), FIXTURE + "I915Pci", FIXTURE + "Kvmgt");
        Thread insmod = thread("insmod i915", () -> init(FIXTURE + "I915Pci", loaders.get(FIXTURE + "I915Pci")));
        try (JvmLockdep lockdep = lockdep()) {
            insmod.start();
            await().atMost(PATIENCE).until(() -> !lockdep.reports().isEmpty());
            Thread modprobe = lockdep.waits().stream().filter(w -> w.kind() == JvmWait.Kind.JOIN)
                    .findFirst().orElseThrow().owner();
            assertEquals("modprobe kvmgt", modprobe.getName());

            DeadlockReport report = lockdep.reports().get(0);
            assertEquals(Set.of(
                    new DeadlockReport.Link(comm(insmod), FIXTURE + "I915Pci.<clinit>", "join of thread modprobe kvmgt"),
                    new DeadlockReport.Link(comm(modprobe), FIXTURE + "Kvmgt.<clinit>",
                            "class initialization of " + FIXTURE + "I915Pci")), links(report));
            // The join was seen first; the class-initialization wait closed the cycle.
            assertEquals(comm(modprobe), report.links().get(0).thread());
            assertTrue(report.text().contains(comm(modprobe) + " is trying to wait for:\n"
                    + "  class initialization of " + FIXTURE + "I915Pci, for " + FIXTURE + "Kvmgt.<clinit>\n"
                    + "held by " + comm(insmod) + ", which already waits on it:\n"), report.text());

            // One sample shows the same two waits, each with its owner.
            List<JvmWait> sample = JvmWaits.sample(t -> t.getThreadGroup() == group);
            assertEquals(Set.of(
                    new JvmWait(insmod, JvmWait.Kind.JOIN, "join of thread modprobe kvmgt", modprobe),
                    new JvmWait(modprobe, JvmWait.Kind.CLASS_INIT, "class initialization of " + FIXTURE + "I915Pci", insmod)),
                    Set.copyOf(sample));

            // Reported once, however long it lasts.
            long seen = lockdep.samples();
            await().atMost(PATIENCE).until(() -> lockdep.samples() >= seen + 5);
            assertEquals(1, lockdep.reports().size());

            // i915's initializer stops waiting (as a signal ends a wait), finishes, and kvmgt's goes on.
            insmod.interrupt();
            await().atMost(PATIENCE).until(() -> !insmod.isAlive() && !modprobe.isAlive());
            await().atMost(PATIENCE).until(() -> lockdep.waits().isEmpty());
            assertEquals(1, lockdep.reports().size());
        } finally {
            insmod.interrupt();
        }
    }

    @Test
    void lockCycleNamesBothLocksAndTheirOwners() throws Exception {
        ReentrantLock a = new ReentrantLock();
        ReentrantLock b = new ReentrantLock();
        CountDownLatch both = new CountDownLatch(2);
        Thread first = thread("lock a then b", () -> nested(a, b, both));
        Thread second = thread("lock b then a", () -> nested(b, a, both));
        try (JvmLockdep lockdep = lockdep()) {
            first.start();
            second.start();
            await().atMost(PATIENCE).until(() -> !lockdep.reports().isEmpty());
            DeadlockReport report = lockdep.reports().get(0);
            Set<String> resources = report.links().stream().map(DeadlockReport.Link::resource).collect(Collectors.toSet());
            assertEquals(2, resources.size());
            assertTrue(resources.stream().allMatch(Pattern.compile(
                    "lock java\\.util\\.concurrent\\.locks\\.ReentrantLock\\$NonfairSync@[0-9a-f]+").asMatchPredicate()), resources.toString());
            assertEquals(Set.of(comm(first), comm(second)),
                    report.links().stream().map(DeadlockReport.Link::thread).collect(Collectors.toSet()));
            for (DeadlockReport.Link link : report.links()) {
                assertEquals(JvmLockdepTest.class.getName() + ".nested", link.activity());
            }
            assertEquals(Set.of(JvmWait.Kind.LOCK), lockdep.waits().stream().map(JvmWait::kind).collect(Collectors.toSet()));
            assertEquals(0, lockdep.dumps(), "lock waits name their owners without a thread dump");
        } finally {
            first.interrupt();
            second.interrupt();
            first.join();
            second.join();
        }
    }

    @Test
    void joinCycleNamesEachJoinedThread() throws Exception {
        Thread[] pair = new Thread[2];
        CountDownLatch started = new CountDownLatch(2);
        pair[0] = thread("joins b", () -> join(pair[1], started));
        pair[1] = thread("joins a", () -> join(pair[0], started));
        try (JvmLockdep lockdep = lockdep()) {
            pair[0].start();
            pair[1].start();
            await().atMost(PATIENCE).until(() -> !lockdep.reports().isEmpty());
            DeadlockReport report = lockdep.reports().get(0);
            String activity = JvmLockdepTest.class.getName() + ".join";
            assertEquals(Set.of(
                    new DeadlockReport.Link(comm(pair[0]), activity, "join of thread joins a"),
                    new DeadlockReport.Link(comm(pair[1]), activity, "join of thread joins b")), links(report));
            assertTrue(report.text().endsWith(" *** DEADLOCK: " + report.chain() + " ***"));
        } finally {
            pair[0].interrupt();
            pair[1].interrupt();
            pair[0].join();
            pair[1].join();
        }
    }

    /** Threads that sleep, wait or wait on a monitor without a cycle: no report, no thread dump. */
    @Test
    void quietAndDumpFreeWhileNoThreadIsStuckInACycle() throws Exception {
        Object monitor = new Object();
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = thread("holds a monitor", () -> {
            synchronized (monitor) {
                awaitLatch(release);
            }
        });
        Thread blocked = thread("blocked on it", () -> {
            synchronized (monitor) {
                monitor.notifyAll();
            }
        });
        try (JvmLockdep lockdep = lockdep()) {
            holder.start();
            await().atMost(PATIENCE).until(() -> holder.getState() == Thread.State.WAITING);
            blocked.start();
            await().atMost(PATIENCE).until(() -> lockdep.waits().stream().anyMatch(w ->
                    w.waiter() == blocked && w.kind() == JvmWait.Kind.MONITOR && w.owner() == holder));
            long seen = lockdep.samples();
            await().atMost(PATIENCE).until(() -> lockdep.samples() >= seen + 5);
            assertTrue(lockdep.reports().isEmpty());
            assertEquals(0, lockdep.dumps());
        } finally {
            release.countDown();
            holder.join();
            blocked.join();
        }
        assertFalse(holder.isAlive());
    }

    @Test
    void classInitCycleInAChildJvmIsNamedWithBothClasses() throws Exception {
        try (ChildJvm child = ChildJvm.start(JvmCycles.class, "class-init", "50")) {
            await().atMost(PATIENCE).until(() -> child.output().contains("*** DEADLOCK"));
            String out = child.output();
            assertTrue(Pattern.compile("#\\d insmod a/\\d+: " + Pattern.quote(FIXTURE + "InitA.<clinit> -> class initialization of " + FIXTURE + "InitB"))
                    .matcher(out).find(), out);
            assertTrue(Pattern.compile("#\\d insmod b/\\d+: " + Pattern.quote(FIXTURE + "InitB.<clinit> -> class initialization of " + FIXTURE + "InitA"))
                    .matcher(out).find(), out);
            assertTrue(out.contains("WARNING: possible circular module dependency detected"), out);
        }
    }

    @Test
    void monitorCycleInAChildJvmIsNamedWithBothMonitors() throws Exception {
        try (ChildJvm child = ChildJvm.start(JvmCycles.class, "monitor", "50")) {
            await().atMost(PATIENCE).until(() -> child.output().contains("*** DEADLOCK"));
            String out = child.output();
            String nested = Pattern.quote(JvmCycles.class.getName() + ".nested -> monitor java.lang.Object@") + "[0-9a-f]+";
            assertTrue(Pattern.compile("#\\d lock a then b/\\d+: " + nested).matcher(out).find(), out);
            assertTrue(Pattern.compile("#\\d lock b then a/\\d+: " + nested).matcher(out).find(), out);
        }
    }

    private static void init(String className, ClassLoader loader) {
        try {
            Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void nested(ReentrantLock outer, ReentrantLock inner, CountDownLatch both) {
        outer.lock();
        try {
            both.countDown();
            awaitLatch(both);
            inner.lockInterruptibly();
            inner.unlock();
        } catch (InterruptedException e) {
            // The test ends the cycle.
        } finally {
            outer.unlock();
        }
    }

    private static void join(Thread other, CountDownLatch started) {
        started.countDown();
        try {
            started.await();
            other.join();
        } catch (InterruptedException e) {
            // The test ends the cycle.
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
