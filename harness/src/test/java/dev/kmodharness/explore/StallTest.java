package dev.kmodharness.explore;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task that blocks outside the harness while it holds the CPU (here on a latch only another
 * task opens) ends its schedule as stalled, with a report naming it; the exploration goes on.
 */
class StallTest {

    @TempDir
    Path dir;

    @Test
    void aStallEndsOneScheduleAndNotTheExploration() throws Exception {
        plugin("a").license("GPL").writeTo(dir);
        Explorer explorer = Explorer.builder().modules(dir).stall(Duration.ofMillis(300)).preemptions(0)
                .scenario((kernel, out, err) -> {
                    // A latch per run: the waiter blocks on it outside the harness; the opener
                    // loads a and opens it. Only the order waiter-first stalls.
                    CountDownLatch latch = new CountDownLatch(1);
                    Thread waiter = kernel.exec("waiter", () -> {
                        try {
                            if (!latch.await(20, TimeUnit.SECONDS)) {
                                err.println("waiter: gave up");
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                    Thread opener = kernel.exec("opener", () -> {
                        kernel.modprobe("a");
                        latch.countDown();
                    });
                    kernel.join(List.of(waiter, opener));
                    out.println("both done");
                    return 0;
                }).build();
        Exploration found = explorer.explore();
        // Who runs first when the shell waits: the waiter (it stalls) or the opener.
        assertTrue(found.exhausted(), found::summary);
        assertEquals("explored 3 schedules: 2 outcomes; space exhausted (dfs, at most 0 preemptions)",
                found.summary(), found::render);
        Outcome clean = found.outcomes().get(0);
        assertEquals(Run.End.FINISHED, clean.run().end());
        assertEquals("both done\n", clean.run().out());
        assertEquals(List.of("a live"), clean.run().states());
        Outcome stalled = found.outcomes().get(1);
        assertEquals(Run.End.STALLED, stalled.run().end());
        assertEquals("explore: task waiter/3 held the CPU for more than 300 ms of real time without reaching a"
                + " harness event (blocked outside the harness or spinning); schedule abandoned", stalled.run().report());
        assertTrue(stalled.bad());
        assertTrue(found.failed());
        // The abandoned schedule's threads are named for it and left parked.
        await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("explore job 0 run ") && t.getName().endsWith(": opener")));
    }
}
