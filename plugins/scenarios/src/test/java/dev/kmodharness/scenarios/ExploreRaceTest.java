package dev.kmodharness.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.explore.Exploration;
import dev.kmodharness.explore.Explorer;
import dev.kmodharness.explore.Outcome;
import dev.kmodharness.explore.Run;
import dev.kmodharness.release.Release;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The race of the issue, explored: {@code modprobe kvmgt &} with {@code modprobe i915
 * enable_gvt=1 &} on the seed's gvt-request set. Every ending the OS reaches shows up, each with
 * its cycle named and a schedule that replays it; the table is the same on every run and with
 * any number of jobs. On 5.15 (the default) a second load of a name waits for the first and
 * retries; on 6.12 modprobe inserts a COMING dependency again and the kernel makes that insert
 * wait, with no timeout, for the first load of the same file.
 */
class ExploreRaceTest {

    static final List<String> RACE = List.of("modprobe kvmgt &", "modprobe i915 enable_gvt=1 &", "wait");
    static final String TWO_TASK_CYCLE = "i915 init -> request_module(kvmgt) -> kvmgt resolving "
            + "i915_gem_object_set_to_cpu_domain -> i915 COMING";
    static final String THREE_TASK_CYCLE = "kvmgt resolving i915_gem_object_set_to_cpu_domain -> i915 COMING -> "
            + "i915 init -> request_module(kvmgt) -> insmod kvmgt (same name) -> kvmgt UNFORMED";
    static final String BUSY = "modprobe: ERROR: could not insert 'kvmgt': Device or resource busy\n";

    @TempDir
    Path tmp;

    /** The exploration, once for the class: 96 schedules. */
    static Explorer explorer;
    static Exploration one;

    static Explorer.Builder race() throws Exception {
        return Explorer.builder().modules(Sets.gvtRequest()).script(RACE).preemptions(1);
    }

    @BeforeAll
    static void explore() throws Exception {
        explorer = race().build();
        one = explorer.explore();
    }

    @Test
    void everyEndingWithItsCycleTheSameWithAnyJobs() throws Exception {
        Exploration two = race().jobs(2).build().explore();
        assertEquals(one.render(), two.render());
        assertTrue(one.exhausted());
        assertEquals("explored 96 schedules: 3 outcomes; space exhausted (dfs, at most 1 preemption)", one.summary());

        List<Outcome> o = one.outcomes();
        // Clean: kvmgt's own modprobe loads i915 (without GVT-g) first.
        assertEquals(List.of("kvmgt live", "i915 live"), o.get(0).run().states());
        assertEquals(List.of(), o.get(0).run().cycles());
        // The seed's two-task cycle and its four waits, then kvmgt loads after all.
        assertEquals(List.of("kvmgt live", "i915 live"), o.get(1).run().states());
        assertEquals(List.of(TWO_TASK_CYCLE), o.get(1).run().cycles());
        assertEquals(8, o.get(1).run().dmesg().stream().filter(l -> l.contains("kvmgt: ")).count());
        // The three-task cycle through the worker's second insmod of kvmgt (same name): it waits
        // for the first, which fails after four waits; on 5.15 it then retries, closes the
        // two-task cycle, waits four times more and fails -EBUSY too: kvmgt is lost.
        Outcome lost = o.get(2);
        assertEquals(1, lost.run().status());
        assertEquals(List.of("i915 live"), lost.run().states());
        assertEquals(BUSY, lost.run().err());
        assertEquals(List.of(THREE_TASK_CYCLE, TWO_TASK_CYCLE), lost.run().cycles());
    }

    @Test
    void onTodaysKernelTheRaceEndsCleanOrHangsForGood() throws Exception {
        Exploration today = race().kernel(k -> k.release(Release.V6_12)).build().explore();
        assertEquals("explored 52 schedules: 2 outcomes; space exhausted (dfs, at most 1 preemption)",
                today.summary());
        List<Outcome> o = today.outcomes();
        assertEquals(List.of("kvmgt live", "i915 live"), o.get(0).run().states());
        assertEquals(List.of(), o.get(0).run().cycles());
        // kvmgt's modprobe inserts i915 again while it is COMING: that insert waits for the
        // first load of the same file, whose init waits for it through request_module
        assertEquals(Run.End.HUNG, o.get(1).run().end());
        assertEquals(List.of("i915 coming"), o.get(1).run().states());
        assertEquals(List.of("i915 init -> request_module(kvmgt) -> insmod i915 (same file) -> finit_module(i915)"),
                o.get(1).run().cycles());
    }

    @Test
    void eachTokenReplaysItsRunAsRunPrintsItTheSameBytesEveryTime() throws Exception {
        Path script = tmp.resolve("race");
        Files.write(script, RACE);
        for (Outcome o : one.outcomes()) {
            CliTest.Run first = CliTest.run("explore", "--modules", Sets.gvtRequest().toString(), "--replay", o.token(),
                    script.toString());
            CliTest.Run again = CliTest.run("explore", "--modules", Sets.gvtRequest().toString(), "--replay", o.token(),
                    script.toString());
            assertEquals(first, again);
            assertEquals(o.run().status(), first.status());
            assertEquals(o.run().out(), first.out());
            assertEquals(o.run().err(), first.err());
            Run replayed = explorer.replay(o.token());
            assertEquals(o.run().dmesg(), replayed.dmesg());
        }
    }

    @Test
    void theCommandLineMarksTheOutcomesThatLoseKvmgt() throws Exception {
        Path script = tmp.resolve("race");
        Files.write(script, RACE);
        CliTest.Run run = CliTest.run("explore", "--modules", Sets.gvtRequest().toString(), "--preemptions", "1",
                "--expect", "/sys/module/kvmgt/initstate:live", script.toString());
        assertEquals(1, run.status(), run::toString);
        List<String> lines = run.outLines();
        assertEquals("explored 96 schedules: 3 outcomes; space exhausted (dfs, at most 1 preemption)",
                lines.get(lines.size() - 1));
        assertEquals(1, lines.stream().filter(l -> l.equals("  BROKEN: expected '/sys/module/kvmgt/initstate:live'"))
                .count());
        assertEquals("", run.err());
    }
}
