package dev.kmodharness.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.timing.InitRecord;
import dev.kmodharness.timing.Stamp;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules of blame, the critical chain, initcalls and the trace, on records built by hand. */
class ReportRulesTest {

    private static final long S = 1_000_000_000L;
    private static final String HEADER = """
            The time when a load, request or wait began is printed after the "@" character.
            The time it took is printed after the "+" character (kernel time).

            """;

    /** A stamp at {@code kernel} seconds, {@code real} ns on the real clock. */
    private static Stamp at(double kernel, long real) {
        return new Stamp(Math.round(kernel * S), real);
    }

    private static InitRecord load(String module, String thread, Stamp start, Stamp initStart, Stamp initEnd,
            List<InitRecord.Wait> waits, List<InitRecord.Request> requests, Integer result) {
        return new InitRecord(module, thread, false, start, initStart != null ? initStart : start, waits, initStart,
                initEnd, result == null ? 0 : result, List.of(), requests, result);
    }

    @Test
    void aWaitItsOwnerEndedLeadsToTheOwnersLoad() {
        InitRecord x = load("x", "modprobe x/2", at(0, 0), at(0, 1), at(10, 50), List.of(), List.of(), 0);
        InitRecord y = load("y", "modprobe y/3", at(0, 2), at(10, 60), at(15, 70),
                List.of(new InitRecord.Wait("x_sym", "x", at(0, 3), at(10, 55), 0)), List.of(), 0);

        assertEquals(HEADER + """
                y @0.000s +15.000s
                └─wait x_sym (x COMING) @0.000s +10.000s
                  └─x @0.000s +10.000s
                """, CriticalChain.render(List.of(x, y)));
    }

    @Test
    void theLatestFinishingStepIsChosen() {
        InitRecord slow = load("slow", "modprobe slow/2", at(0, 0), at(0, 1), at(20, 90), List.of(), List.of(), 0);
        InitRecord fast = load("fast", "modprobe fast/3", at(0, 2), at(0, 3), at(5, 40), List.of(), List.of(), 0);
        InitRecord z = load("z", "modprobe z/4", at(0, 4), at(20, 95), at(20, 96), List.of(
                new InitRecord.Wait("fast_sym", "fast", at(0, 5), at(5, 41), 0),
                new InitRecord.Wait("slow_sym", "slow", at(5, 42), at(20, 91), 0)), List.of(), 0);

        List<CriticalChain.Link> chain = CriticalChain.compute(List.of(slow, fast, z));

        assertEquals(List.of("z @0.000s +20.000s", "wait slow_sym (slow COMING) @5.000s +15.000s",
                "slow @0.000s +20.000s"), chain.stream().map(CriticalChain.Link::text).toList());
    }

    @Test
    void aNowaitRequestHoldsNothingUpAndAnUnknownRequestEndsTheChain() {
        InitRecord a = load("a", "main/1", at(0, 0), at(0, 1), at(3, 10), List.of(), List.of(
                new InitRecord.Request("b", false, "main/1", at(1, 2), at(1, 3), 0),
                new InitRecord.Request("nosuch", true, "main/1", at(1, 4), at(2, 5), 256)), 0);

        assertEquals(HEADER + """
                a @0.000s +3.000s
                └─request_module(nosuch) @1.000s +1.000s returned 256
                """, CriticalChain.render(List.of(a)));
    }

    @Test
    void aLoadReachedTwiceIsMarkedAsACycleAndEndsTheChain() {
        InitRecord a = load("a", "t/1", at(0, 0), at(5, 20), at(6, 30),
                List.of(new InitRecord.Wait("b_sym", "b", at(0, 2), at(5, 19), 0)), List.of(), 0);
        InitRecord b = load("b", "t/2", at(0, 1), at(4, 15), at(5, 18),
                List.of(new InitRecord.Wait("a_sym", "a", at(0, 3), at(4, 14), 0)), List.of(), 0);

        assertEquals(HEADER + """
                a @0.000s +6.000s
                └─wait b_sym (b COMING) @0.000s +5.000s
                  └─b @0.000s +5.000s
                    └─wait a_sym (a COMING) @0.000s +4.000s; a is above: cycle
                      └─a @0.000s +6.000s (cycle)
                """, CriticalChain.render(List.of(a, b)));
    }

    @Test
    void aLoadStillRunningIsWhereTheChainStarts() {
        InitRecord done = load("done", "t/1", at(0, 0), at(0, 1), at(100, 90), List.of(), List.of(), 0);
        InitRecord stuck = load("stuck", "t/2", at(0, 2), at(5, 3), null, List.of(), List.of(), null);

        assertEquals("stuck @0.000s +5.000s still loading", CriticalChain.compute(List.of(done, stuck)).get(0).text());
        assertEquals("""
                   100.000s done   real 0.000ms  waited 0.000s
                     0.000s stuck  real 0.000ms  waited 0.000s  init still running
                """, Blame.render(List.of(done, stuck)));
        assertEquals(List.of("[    0.000000] calling  done_init [done] @ 1",
                "[    5.000000] calling  stuck_init [stuck] @ 2",
                "[  100.000000] initcall done_init [done] returned 0 after 100000000 usecs"),
                Initcalls.render(List.of(done, stuck)).lines().toList());
    }

    @Test
    void noLoadsNoChain() {
        assertEquals(List.of(), CriticalChain.compute(List.of()));
        assertEquals(HEADER, CriticalChain.render(List.of()));
        assertEquals("", Blame.render(List.of()));
        assertEquals("", Initcalls.render(List.of()));
        SeedReportsTest.assertBalanced(ChromeTrace.render(List.of()));
        MiniJson.parse(ChromeTrace.render(List.of()));
    }

    @Test
    void blameBreaksKernelTiesByRealTimeAndMarksBuiltinsAndFailures() {
        InitRecord quick = load("quick", "t/1", at(0, 0), at(0, 10), at(0, 1_010), List.of(), List.of(), 0);
        InitRecord busy = load("busy", "t/1", at(0, 0), at(0, 2_000), at(0, 2_000 + 5_000_000), List.of(), List.of(), 0);
        InitRecord failed = load("failed", "t/1", at(0, 0), at(0, 10_000_000), at(0, 10_000_400), List.of(),
                List.of(), -19);
        InitRecord builtin = new InitRecord("core", "swapper/0", true, at(0, 0), at(0, 0), List.of(), at(0, 0),
                at(0, 0), 0, List.of(), List.of(), 0);

        assertEquals("""
                     0.000s busy    real 5.000ms  waited 0.000s
                     0.000s quick   real 0.001ms  waited 0.000s
                     0.000s failed  real 0.000ms  waited 0.000s  err -19
                     0.000s core    real 0.000ms  waited 0.000s  built-in
                """, Blame.render(List.of(quick, busy, failed, builtin)));
    }

    @Test
    void nestedInitsPrintAsDmesgDoesInnerPairInsideOuter() {
        InitRecord outer = load("outer", "modprobe outer/2", at(0, 0), at(0, 1), at(7, 100), List.of(),
                List.of(new InitRecord.Request("inner", true, "modprobe outer/2", at(0, 2), at(7, 99), 0)), 0);
        InitRecord inner = load("inner", "modprobe inner/3", at(0, 3), at(0, 4), at(7, 98), List.of(), List.of(), 0);

        assertEquals(List.of("[    0.000000] calling  outer_init [outer] @ 2",
                "[    0.000000] calling  inner_init [inner] @ 3",
                "[    7.000000] initcall inner_init [inner] returned 0 after 7000000 usecs",
                "[    7.000000] initcall outer_init [outer] returned 0 after 7000000 usecs"),
                Initcalls.render(List.of(outer, inner)).lines().toList());
        assertEquals("[    0.000000] calling  I915Pci.<clinit> [outer] @ 2", Initcalls.render(List.of(outer),
                m -> java.util.Optional.of("drivers.gpu.drm.i915.pci.I915Pci")).lines().findFirst().orElseThrow());
    }

    @Test
    @SuppressWarnings("unchecked")
    void traceEscapesNamesAndKeepsThreadsWithoutAPidApart() {
        String odd = "q\"b\\s/\n\t\u0001\u2028\uD83D\uDE00\uD800";
        InitRecord r = new InitRecord(odd, "kworker", false, at(0, 0), at(0, 1),
                List.of(new InitRecord.Wait(odd, "o\"", at(0, 1), at(1.5, 2), -35)), null, null, 0, List.of(),
                List.of(new InitRecord.Request(odd, true, "other thread", at(0, 1), at(0, 2), 0)), -35);
        String json = ChromeTrace.render(List.of(r));

        SeedReportsTest.assertBalanced(json);
        Map<String, Object> root = (Map<String, Object>) MiniJson.parse(json);
        List<Map<String, Object>> events = (List<Map<String, Object>>) root.get("traceEvents");
        Map<String, Object> load = SeedReportsTest.event(events, "load " + odd.substring(0, odd.length() - 1) + "\uD800");
        assertEquals(odd, ((Map<String, Object>) load.get("args")).get("module"));
        Map<String, Object> wait = SeedReportsTest.event(events, "wait " + odd + " (o\" COMING)");
        assertEquals(1_500_000.0, wait.get("dur"));
        assertTrue(json.contains("\\ud800"), "a lone surrogate is escaped, so the file stays UTF-8");
        long names = events.stream().filter(e -> "thread_name".equals(e.get("name"))).count();
        assertEquals(2, names, "two threads without a pid, two tracks");
        assertEquals(0.0, Double.valueOf(ChromeTrace.micros(0)));
        assertEquals("120000000.000", ChromeTrace.micros(120 * S));
        assertEquals("0.001", ChromeTrace.micros(1));
    }
}
