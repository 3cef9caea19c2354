package dev.kmodharness.time;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Task threads from kthreadd: reused clean when pooled, new each time when not. */
class KthreaddTest {

    /** Starts a task on {@code t}; completes with what it saw of its thread. */
    private static CompletableFuture<String> run(Kthreadd.Kthread t) {
        CompletableFuture<String> seen = new CompletableFuture<>();
        t.start(() -> {
            Thread self = Thread.currentThread();
            seen.complete(self.getName() + " interrupted=" + self.isInterrupted() + " daemon=" + self.isDaemon());
        });
        return seen;
    }

    /** Waits for: {@code t} back idle in the pool (its name reset), bounded. */
    private static void awaitIdle(Thread t) {
        await().atMost(Duration.ofSeconds(10)).until(() -> t.getName().equals("kthreadd idle")
                && t.getState() == Thread.State.TIMED_WAITING);
    }

    @Test
    void aPooledThreadRunsTheNextTaskCleanAndAnUnpooledOneEnds() throws Exception {
        try (Kthreadd pool = Kthreadd.pooled(2)) {
            ClassLoader moduleLoader = new URLClassLoader("m", new URL[0], null);
            Kthreadd.Kthread first = pool.create("modprobe a");
            CompletableFuture<String> firstSaw = new CompletableFuture<>();
            first.start(() -> {
                Thread self = Thread.currentThread();
                firstSaw.complete(self.getName());
                // what module code may leave behind
                self.setContextClassLoader(moduleLoader);
                self.setPriority(Thread.MAX_PRIORITY);
                self.interrupt();
            });
            assertEquals("modprobe a", firstSaw.get(10, TimeUnit.SECONDS));
            awaitIdle(first.thread);
            assertNotSame(moduleLoader, first.thread.getContextClassLoader());
            assertEquals(Thread.NORM_PRIORITY, first.thread.getPriority());

            Kthreadd.Kthread second = pool.create("modprobe b");
            assertSame(first.thread, second.thread);
            assertEquals("modprobe b interrupted=false daemon=true", run(second).get(10, TimeUnit.SECONDS));
        }
        Kthreadd unpooled = Kthreadd.unpooled();
        Kthreadd.Kthread t = unpooled.create("sh");
        t.start(() -> { });
        t.thread.join(10_000);
        assertFalse(t.thread.isAlive());
        assertNotSame(t.thread, unpooled.create("sh").thread);
    }

    @Test
    void aTaskThatThrowsEndsItsThreadAndCloseEndsTheIdleOnes() throws Exception {
        Kthreadd pool = Kthreadd.pooled(4);
        Kthreadd.Kthread thrower = pool.create("work");
        Thread.UncaughtExceptionHandler quiet = (thread, e) -> { };
        thrower.start(() -> {
            Thread.currentThread().setUncaughtExceptionHandler(quiet);
            throw new IllegalStateException("oops");
        });
        thrower.thread.join(10_000);
        assertFalse(thrower.thread.isAlive());

        Kthreadd.Kthread idle = pool.create("sh");
        idle.start(() -> { });
        awaitIdle(idle.thread);
        pool.close();
        idle.thread.join(10_000);
        assertFalse(idle.thread.isAlive());
    }
}
