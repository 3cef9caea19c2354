package dev.kmodharness.scenarios;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.lockdep.DeadlockReport;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.module.ModuleInfo;
import dev.kmodharness.module.ModuleState;
import dev.kmodharness.release.Release;
import dev.kmodharness.report.CriticalChain;
import dev.kmodharness.timing.InitRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.TestInfo;

/**
 * The ways out of the seed's hang, on the real JARs of plugins/target/modules: each loads i915
 * with enable_gvt=1 and ends with i915 and kvmgt both LIVE, kvmgt holding i915, at kernel time 0,
 * with no wait and no cycle. Then async probing by release: on 5.15 (PF_USED_ASYNC) it gets out
 * too, with or without async_probe=1 on i915; on 6.12 kvmgt's init waits for i915's async probe,
 * which waits for kvmgt: hung for good.
 */
class WaysOutTest {

    /**
     * WARN_ON_ONCE(wait && current_is_async()) in __request_module, as __warn prints it, on
     * {@code release}: the async worker is pid 3.
     */
    static List<String> asyncRequestWarning(Release release) {
        return List.of(
                "------------[ cut here ]------------",
                "WARNING: CPU: 0 PID: 3 at " + (release == Release.V5_15 ? "kernel/kmod.c:136" : "kernel/module/kmod.c:135")
                        + " __request_module",
                "Modules linked in: i915",
                "CPU: 0 PID: 3 Comm: async i915 Not tainted " + release.uname() + " #1",
                "---[ end trace 0000000000000000 ]---");
    }

    /** The default release's WARN. */
    static final List<String> ASYNC_REQUEST_WARNING = asyncRequestWarning(Release.V5_15);

    /**
     * dmesg's texts, with i915's "(+)" in the WARN's module list left out: whether i915's init
     * has returned by the time its async probe requests kvmgt is up to the threads, in the
     * kernel as here.
     */
    static List<String> texts(List<Dmesg.Record> records) {
        return Sets.texts(records).stream().map(t -> t.equals("Modules linked in: i915(+)") ? "Modules linked in: i915" : t)
                .toList();
    }

    /** gvt-async with async_probe=1 on i915 only: kvmgt's init waits for the probe requesting it. */
    static final String ASYNC_DEADLOCK_CHAIN =
            "i915 -> request_module(kvmgt) -> kvmgt init (async_synchronize_full) -> async work";

    /** The critical chain of the kernel hung for good: every link still waiting, round the cycle. */
    static final String ASYNC_DEADLOCK_CRITICAL_CHAIN = """
            kvmgt @0.000s +0.000s still loading
            └─wait async_synchronize_full (async work of i915) @0.000s +0.000s still waiting
              └─i915 @0.000s +0.000s
                └─request_module(kvmgt) @0.000s +0.000s still waiting
                  └─kvmgt @0.000s +0.000s still loading (cycle)
            """;

    /** The threads the hung kernel leaves blocked: kvmgt's modprobe worker and i915's async probe. */
    static final Set<String> HUNG_THREADS = Set.of("modprobe kvmgt", "async i915");

    /** Per test method: dmesg and lsmod of its first repetition, which every later one must match. */
    private static final Map<String, String> firstRuns = new ConcurrentHashMap<>();

    /** request_module_nowait: i915's init does not wait for modprobe kvmgt, which links once i915 is LIVE. */
    @RepeatedTest(10)
    void requestModuleNowait(TestInfo test, RepetitionInfo repetition) throws Exception {
        try (Kernel kernel = Kernel.builder().modules(Sets.gvtNowait()).build()) {
            assertEquals(new Modprobe.Result(0, List.of()), kernel.modprobe("i915", "enable_gvt=1"));
            assertTrue(kernel.awaitIdle(), "hung");
            assertBothLiveAtTimeZero(kernel, List.of());
            assertSameAsFirstRepetition(kernel, test, repetition);
        }
    }

    /** schedule_work: the request runs in a work item; i915's init returns, goes LIVE, kvmgt links. */
    @RepeatedTest(10)
    void scheduleWork(TestInfo test, RepetitionInfo repetition) throws Exception {
        try (Kernel kernel = Kernel.builder().modules(Sets.gvtWork()).build()) {
            assertEquals(new Modprobe.Result(0, List.of()), kernel.modprobe("i915", "enable_gvt=1"));
            assertTrue(kernel.awaitIdle(), "hung");
            assertBothLiveAtTimeZero(kernel, List.of());
            assertSameAsFirstRepetition(kernel, test, repetition);
        }
    }

    /**
     * module.async_probe=1: do_init_module skips async_synchronize_full for i915 and kvmgt, so
     * neither init waits for i915's async probe; the kernel warns about the synchronous
     * request_module from async work, once.
     */
    @RepeatedTest(10)
    void asyncProbeOnTheKernelCommandLine(TestInfo test, RepetitionInfo repetition) throws Exception {
        try (Kernel kernel = Kernel.builder().modules(Sets.gvtAsync()).asyncProbe(true).build()) {
            assertEquals(new Modprobe.Result(0, List.of()), kernel.modprobe("i915", "enable_gvt=1"));
            assertTrue(kernel.awaitIdle(), "hung");
            assertBothLiveAtTimeZero(kernel, ASYNC_REQUEST_WARNING);
            assertSameAsFirstRepetition(kernel, test, repetition);
        }
    }

    /** v5.19: i915 requests nothing; kvmgt, loaded by the user after i915, calls intel_gvt_set_ops. */
    @RepeatedTest(10)
    void opsRegistration(TestInfo test, RepetitionInfo repetition) throws Exception {
        try (Kernel kernel = Kernel.builder().modules(Sets.gvtOps()).build()) {
            assertEquals(new Modprobe.Result(0, List.of()), kernel.modprobe("i915", "enable_gvt=1"));
            assertEquals(Optional.of(ModuleState.LIVE), kernel.state("i915"));
            assertEquals(new Modprobe.Result(0, List.of()), kernel.modprobe("kvmgt"));
            assertTrue(kernel.awaitIdle(), "hung");
            assertBothLiveAtTimeZero(kernel, List.of(GvtOpsTest.OPS_REGISTERED));
            assertSameAsFirstRepetition(kernel, test, repetition);
        }
    }

    /**
     * gvt-async without module.async_probe on 5.15: i915's init queued async work, so its
     * do_init_module (PF_USED_ASYNC) waits in async_synchronize_full, but only after i915 went
     * LIVE; kvmgt links (at once, or, if it looked while i915 was still COMING, when its 30 s
     * timer fires and finds i915 LIVE, with no message), and kvmgt's own init queued nothing, so
     * it goes LIVE without waiting: no hang, no cycle, only the WARN.
     */
    @RepeatedTest(20)
    void asyncProbeAloneOn515EndsWithBothLive() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(Sets.gvtAsync()).release(Release.V5_15).build()) {
            assertEquals(new Modprobe.Result(0, List.of()), kernel.modprobe("i915", "enable_gvt=1"));
            assertTrue(kernel.awaitIdle(), "hung");
            assertBothLiveAtTimeZeroOrFirstTimeout(kernel);
        }
    }

    /**
     * The same on 6.12: since 67d6212afda2 every init without async_probe waits for all async
     * work. kvmgt links and goes LIVE, then waits in async_synchronize_full for i915's probe,
     * which waits in request_module for kvmgt's modprobe: both hang for good, and lockdep names
     * the cycle. (If modprobe kvmgt saw i915 still COMING, today's modprobe inserts i915 again
     * and that insert waits for the first, the same file: the cycle closes there instead.)
     */
    @RepeatedTest(20)
    void asyncProbeAloneOn612HangsForGood() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(Sets.gvtAsync()).release(Release.V6_12).build()) {
            // modprobe i915 itself never returns: i915's init waits in async_synchronize_full
            kernel.exec("modprobe i915", () -> kernel.modprobe("i915", "enable_gvt=1"));

            assertFalse(kernel.awaitIdle(), "awaitIdle() must report the kernel hung");
            String lines = String.join("\n", kernel.dmesg());
            assertEquals(1, kernel.deadlocks().size(), lines);
            String chain = kernel.deadlocks().get(0).chain();
            assertTrue(chain.equals(ASYNC_DEADLOCK_CHAIN) || chain.contains("insmod i915 (same file)"), chain);
            assertEquals(Optional.of(ModuleState.LIVE), kernel.state("i915"));
            assertEquals(asyncRequestWarning(Release.V6_12), texts(kernel.dmesgRecords().subList(0, 5)), lines);
            assertTrue(kernel.dmesg().stream().noneMatch(l -> l.contains("Unknown symbol")), lines);
        }
    }

    /**
     * gvt-async with async_probe=1 on i915 only, on 6.12: i915's init returns and i915 goes
     * LIVE, but kvmgt's init (async_probe not requested) goes LIVE and then waits in
     * async_synchronize_full for i915's probe, which waits in request_module for kvmgt's load: a
     * true deadlock, with no timeout. The kernel is hung for good; closing it ends both blocked
     * threads.
     */
    @RepeatedTest(10)
    void asyncProbeOnI915AloneDeadlocksForGoodOn612(TestInfo test, RepetitionInfo repetition) throws Exception {
        Set<Thread> before = hungThreadsAlive();
        Set<Thread> blocked;
        try (Kernel kernel = Kernel.builder().modules(Sets.gvtAsync()).release(Release.V6_12).build()) {
            assertEquals(new Modprobe.Result(0, List.of()), kernel.modprobe("i915", "enable_gvt=1", "async_probe=1"));

            assertFalse(kernel.awaitIdle(), "awaitIdle() must report the kernel hung");
            String lines = String.join("\n", kernel.dmesg());
            assertEquals(List.of(ASYNC_DEADLOCK_CHAIN), chains(kernel), lines);
            assertEquals(Optional.of(ModuleState.LIVE), kernel.state("i915"));
            // LIVE before async_synchronize_full, its init reference still held
            assertEquals(Optional.of(ModuleState.LIVE), kernel.state("kvmgt"));
            assertEquals(Optional.of("live"), kernel.initstate("kvmgt"));
            assertEquals(1, kernel.module("kvmgt").orElseThrow().refcnt());
            assertEquals(List.of("kvmgt"), kernel.module("i915").map(ModuleInfo::holders).orElseThrow());
            List<Dmesg.Record> dmesg = kernel.dmesgRecords();
            assertEquals(asyncRequestWarning(Release.V6_12), texts(dmesg.subList(0, 5)), lines);
            assertEquals(List.of(), Sets.waitRecords(kernel), lines);
            assertEquals(0, kernel.now());
            assertTrue(dmesg.stream().allMatch(r -> r.nanos() == 0), lines);

            // the records show what each task is stuck in, still pending
            // (kvmgt may also have waited a moment for i915's symbols, if it got there before
            // i915 went LIVE: such a wait ended, linked)
            InitRecord kvmgt = record(kernel, "kvmgt");
            InitRecord.Wait last = kvmgt.waits().get(kvmgt.waits().size() - 1);
            assertEquals(
                    new InitRecord.Wait(InitRecord.ASYNC_SYNCHRONIZE_FULL, "i915", last.start(), last.end(), 0, true),
                    last);
            assertTrue(kvmgt.waits().subList(0, kvmgt.waits().size() - 1).stream()
                    .allMatch(w -> !w.pending() && w.err() == 0 && w.owner().equals("i915")), kvmgt::toString);
            assertEquals(null, kvmgt.result());
            InitRecord.Request request = record(kernel, "i915").requests().get(0);
            assertEquals(List.of("kvmgt", "async i915/3", "true", "true"), List.of(request.module(), request.thread(),
                    String.valueOf(request.synchronous()), String.valueOf(request.pending())));
            assertTrue(CriticalChain.render(kernel.timings()).endsWith("\n\n" + ASYNC_DEADLOCK_CRITICAL_CHAIN),
                    () -> CriticalChain.render(kernel.timings()));
            assertSameAsFirstRepetition(kernel, test, repetition);

            blocked = hungThreadsAlive();
            blocked.removeAll(before);
            assertEquals(HUNG_THREADS, blocked.stream().map(Thread::getName).collect(Collectors.toSet()),
                    () -> "threads blocked in the hung kernel: " + blocked);
            assertEquals(2, blocked.size(), () -> "threads blocked in the hung kernel: " + blocked);
        }
        // close() interrupted the kernel's workers: none may stay behind
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> blocked.stream().noneMatch(Thread::isAlive));
    }

    /** async_probe=1 on i915 alone, on 5.15: kvmgt's init queued no async work, so it does not wait. */
    @RepeatedTest(20)
    void asyncProbeOnI915AloneOn515EndsWithBothLive() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(Sets.gvtAsync()).release(Release.V5_15).build()) {
            assertEquals(new Modprobe.Result(0, List.of()), kernel.modprobe("i915", "enable_gvt=1", "async_probe=1"));
            assertTrue(kernel.awaitIdle(), "hung");
            assertBothLiveAtTimeZeroOrFirstTimeout(kernel);
        }
    }

    /**
     * Both LIVE, kvmgt holding i915, dmesg only the WARN, no cycle; kernel time 0, or 31.712 s
     * when kvmgt looked for i915's symbols while i915 was still COMING (its timer fired and the
     * symbol resolved: no message), which is up to the threads.
     */
    private static void assertBothLiveAtTimeZeroOrFirstTimeout(Kernel kernel) {
        String lines = String.join("\n", kernel.dmesg());
        assertEquals(ASYNC_REQUEST_WARNING, texts(kernel.dmesgRecords()), lines);
        assertEquals(List.of(), kernel.deadlocks(), lines);
        assertEquals(Optional.of(ModuleState.LIVE), kernel.state("i915"));
        assertEquals(Optional.of(ModuleState.LIVE), kernel.state("kvmgt"));
        Sets.assertKvmgtHoldsI915(kernel);
        assertTrue(kernel.now() == 0 || kernel.now() == Sets.FIRST_WAIT, () -> "kernel time " + kernel.now());
    }

    private static InitRecord record(Kernel kernel, String module) {
        return kernel.timings().stream().filter(r -> r.module().equals(module)).findFirst().orElseThrow();
    }

    /**
     * Nothing waited and nothing is left: no symbol wait, no cycle, dmesg exactly {@code dmesg}
     * (all at time 0), both modules LIVE, kvmgt holding i915, kernel time still 0.
     */
    private static void assertBothLiveAtTimeZero(Kernel kernel, List<String> dmesg) {
        List<Dmesg.Record> records = kernel.dmesgRecords();
        String lines = String.join("\n", kernel.dmesg());
        assertTrue(records.stream().noneMatch(r -> r.text().contains("gave up waiting")), lines);
        assertTrue(records.stream().noneMatch(r -> r.text().contains("Unknown symbol")), lines);
        assertEquals(List.of(), kernel.deadlocks(), lines);
        assertEquals(dmesg, texts(records), lines);

        assertEquals(Optional.of(ModuleState.LIVE), kernel.state("i915"));
        assertEquals(Optional.of(ModuleState.LIVE), kernel.state("kvmgt"));
        Sets.assertKvmgtHoldsI915(kernel);

        assertEquals(0, kernel.now());
        assertTrue(records.stream().allMatch(r -> r.nanos() == 0), lines);
    }

    private static List<String> chains(Kernel kernel) {
        return kernel.deadlocks().stream().map(DeadlockReport::chain).toList();
    }

    /** The report's cycle as a chain, read from the link whose activity starts with {@code first}. */
    private static String chainFrom(DeadlockReport report, String first) {
        List<DeadlockReport.Link> links = report.links();
        int start = 0;
        while (start < links.size() && !links.get(start).activity().startsWith(first)) {
            start++;
        }
        assertTrue(start < links.size(), () -> "no link '" + first + "' in " + report.chain());
        List<String> chain = new ArrayList<>();
        for (int i = 0; i < links.size(); i++) {
            DeadlockReport.Link link = links.get((start + i) % links.size());
            chain.add(link.activity() + " -> " + link.resource());
        }
        return String.join(" -> ", chain);
    }

    /** Live threads, of any kernel, named as the hung kernel's blocked threads are. */
    private static Set<Thread> hungThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && HUNG_THREADS.contains(t.getName()))
                .collect(Collectors.toCollection(HashSet::new));
    }

    /**
     * Each repetition prints byte for byte what the first did: dmesg, then lsmod; a lockdep
     * report counts as its cycle, since which wait closes a cycle (so where the report opens)
     * may be a race.
     */
    private static void assertSameAsFirstRepetition(Kernel kernel, TestInfo test, RepetitionInfo repetition) {
        List<String> dmesg = new ArrayList<>();
        boolean inReport = false;
        for (String line : kernel.dmesg()) {
            if (line.endsWith("] ======================================================")) {
                inReport = true;
                dmesg.add("(lockdep report)");
            } else if (inReport && line.contains(" *** DEADLOCK: ")) {
                inReport = false;
            } else if (!inReport) {
                dmesg.add(line.replace("Modules linked in: i915(+)", "Modules linked in: i915"));
            }
        }
        String cycles = kernel.deadlocks().stream()
                .map(r -> chainFrom(r, r.links().stream().map(DeadlockReport.Link::activity).sorted().findFirst()
                        .orElseThrow()))
                .collect(Collectors.joining("\n"));
        String run = String.join("\n", dmesg) + "\n\n" + cycles + "\n\n" + kernel.lsmod();
        String method = test.getTestMethod().orElseThrow().getName();
        if (repetition.getCurrentRepetition() == 1) {
            firstRuns.put(method, run);
        } else {
            assertEquals(firstRuns.getOrDefault(method, run), run, "differs from the first repetition");
        }
    }
}
