package dev.kmodharness.lockdep.jvm;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The agent's options, as -javaagent:kmod-harness.jar=OPTIONS passes them. */
class JvmLockdepAgentTest {

    @Test
    void periodsReadAsMillisecondsOrSeconds() {
        assertEquals(Duration.ofMillis(100), JvmLockdepAgent.duration("100ms"));
        assertEquals(Duration.ofMillis(2000), JvmLockdepAgent.duration("2s"));
        assertEquals(Duration.ofMillis(1500), JvmLockdepAgent.duration("1.5s"));
        assertEquals(Duration.ofMillis(250), JvmLockdepAgent.duration("250"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> JvmLockdepAgent.duration("soon"));
        assertEquals("jvm lockdep: bad period 'soon' (e.g. 100ms, 2s)", bad.getMessage());
    }

    @Test
    void unknownOptionIsRefusedWithTheOptionsThereAre() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> JvmLockdepAgent.builder("period=1s,color"));
        assertEquals("jvm lockdep: unknown option 'color' (options: period=100ms, threads=REGEX, verbose)", bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JvmLockdepAgent.builder("period=0ms"));
    }

    /** threads=REGEX watches only the threads so named: a join cycle of others goes unreported. */
    @Test
    void threadsOptionChoosesTheThreadsWatched() throws Exception {
        Thread[] pair = new Thread[2];
        CountDownLatch started = new CountDownLatch(2);
        pair[0] = joiner("agent test joins b", () -> pair[1], started);
        pair[1] = joiner("agent test joins a", () -> pair[0], started);
        try (JvmLockdep watched = JvmLockdepAgent.builder("period=20ms,threads=agent test .*").stderr(false).start();
                JvmLockdep elsewhere = JvmLockdepAgent.builder("period=20ms,threads=nobody").stderr(false).start()) {
            assertEquals(Duration.ofMillis(20), watched.period());
            pair[0].start();
            pair[1].start();
            await().atMost(Duration.ofSeconds(20)).until(() -> !watched.reports().isEmpty());
            long seen = elsewhere.samples();
            await().atMost(Duration.ofSeconds(20)).until(() -> elsewhere.samples() >= seen + 3);
            assertTrue(elsewhere.reports().isEmpty());
            assertTrue(watched.reports().get(0).text().contains("join of thread agent test joins a"));
        } finally {
            pair[0].interrupt();
            pair[1].interrupt();
            pair[0].join();
            pair[1].join();
        }
    }

    private static Thread joiner(String name, java.util.function.Supplier<Thread> other, CountDownLatch started) {
        Thread t = new Thread(() -> {
            started.countDown();
            try {
                started.await();
                other.get().join();
            } catch (InterruptedException e) {
                // The test ends the cycle.
            }
        }, name);
        t.setDaemon(true);
        return t;
    }
}
