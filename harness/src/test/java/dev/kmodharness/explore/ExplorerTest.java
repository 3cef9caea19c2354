package dev.kmodharness.explore;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The explorer on a bug that needs a rare order: {@code b} imports {@code a}'s symbol; one task
 * runs {@code modprobe b} (it loads a, then b), one {@code modprobe a}, one {@code rmmod a}.
 * Only an rmmod that falls in the one-step window between a going LIVE and b taking its
 * reference (through either task's load of a) leaves b unloaded, with "Unknown symbol". The
 * default schedule, and most others, never do that.
 */
class ExplorerTest {

    static final List<String> SCRIPT = List.of("modprobe b &", "modprobe a &", "rmmod a &", "wait");
    static final String B_LIVE = "/sys/module/b/initstate:live";
    static final String UNKNOWN_SYMBOL =
            "modprobe: ERROR: could not insert 'b': Unknown symbol in module, or unknown parameter (see dmesg)";

    @TempDir
    static Path dir;

    @BeforeAll
    static void modules() {
        plugin("a").license("GPL").exports("a_get").exit().writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_get").exit().writeTo(dir);
    }

    static Explorer.Builder explorer() throws Exception {
        return Explorer.builder().modules(dir).script(SCRIPT, dir).expect(B_LIVE);
    }

    /** The outcomes that lose b, each with its run. */
    static List<Outcome> lostB(Exploration found) {
        return found.outcomes().stream().filter(o -> o.broken().contains(B_LIVE)).toList();
    }

    @Test
    void theDefaultScheduleLoadsBoth() throws Exception {
        Run run = explorer().build().replay("S");
        assertEquals(Run.End.FINISHED, run.end());
        assertEquals(List.of("b live", "a live"), run.states());
        assertEquals("rmmod: ERROR: Module a is in use by: b\n", run.err());
    }

    @Test
    void theDefaultStrategyFindsTheRareOrderAndNamesIt() throws Exception {
        // Iterative preemption bounding: no preemption first, then one.
        Exploration found = explorer().schedules(200).build().explore();
        List<Outcome> lost = lostB(found);
        assertFalse(lost.isEmpty(), found::render);
        Run run = lost.get(0).run();
        assertTrue(run.err().contains(UNKNOWN_SYMBOL + "\n"), run::err);
        assertTrue(run.dmesg().stream().anyMatch(l -> l.endsWith("b: Unknown symbol a_get (err -2)")),
                () -> String.join("\n", run.dmesg()));
        assertEquals(1, run.trace().preemptions());
        assertTrue(found.failed());
        // The interleaving shows the rmmod between a going LIVE and b's load.
        String table = run.trace().table();
        int live = table.indexOf("a LIVE");
        int going = table.indexOf("a GOING");
        assertTrue(live >= 0 && going > live, table);
    }

    @Test
    void pctFindsItWithinItsFirstSchedulesAndItsSeedReproduces() throws Exception {
        Exploration first = explorer().strategy("pct").seed(7).schedules(60).build().explore();
        assertFalse(lostB(first).isEmpty(), first::render);
        Exploration again = explorer().strategy("pct").seed(7).schedules(60).build().explore();
        assertEquals(first.render(), again.render());
        assertEquals(60, first.schedules());
        assertFalse(first.exhausted());
    }

    @Test
    void randomWalkIsSeededAndReproduces() throws Exception {
        Exploration first = explorer().strategy("random").seed(3).schedules(40).build().explore();
        Exploration again = explorer().strategy("random").seed(3).schedules(40).build().explore();
        assertEquals(first.render(), again.render());
        Exploration other = explorer().strategy("random").seed(4).schedules(40).build().explore();
        assertEquals(40, other.schedules());
        assertNotEquals(first.render(), other.render());
    }

    @Test
    void everyOutcomesTokenReplaysItByteForByte() throws Exception {
        Explorer explorer = explorer().strategy("random").seed(11).schedules(40).build();
        Exploration found = explorer.explore();
        assertTrue(found.outcomes().size() >= 3, found::render);
        for (Outcome o : found.outcomes()) {
            Run once = explorer.replay(o.token());
            Run twice = explorer.replay(o.token());
            assertEquals(o.run().key(), once.key());
            assertEquals(once.key(), twice.key());
            assertEquals(o.run().out() + o.run().err(), twice.out() + twice.err());
            assertEquals(o.run().trace().table(), twice.trace().table());
        }
    }

    @Test
    void aTokenOfAnotherScenarioIsRefused() throws Exception {
        Explorer explorer = explorer().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> explorer.replay("S99z"));
        assertEquals("replay token S99z does not fit this script and modules", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> explorer.replay("x1"));
        assertEquals("not a replay token: 'x1' (tokens start with S)", e.getMessage());
    }

    @Test
    void dfsShardsAddUpToTheWhole() throws Exception {
        Exploration whole = explorer().preemptions(0).build().explore();
        assertTrue(whole.exhausted(), whole::summary);
        long sum = 0;
        Map<String, Long> counts = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            Exploration part = explorer().preemptions(0).shard(i, 3).build().explore();
            assertTrue(part.exhausted());
            sum += part.schedules();
            part.outcomes().forEach(o -> counts.merge(o.run().key(), o.count(), Long::sum));
        }
        assertEquals(whole.schedules(), sum);
        Map<String, Long> wholeCounts = new TreeMap<>();
        whole.outcomes().forEach(o -> wholeCounts.put(o.run().key(), o.count()));
        assertEquals(wholeCounts, counts);
    }

    @Test
    void samplingShardsAddUpToTheWhole() throws Exception {
        Exploration whole = explorer().strategy("random").schedules(30).build().explore();
        Map<String, Long> counts = new TreeMap<>();
        for (int i = 0; i < 2; i++) {
            explorer().strategy("random").schedules(30).shard(i, 2).build().explore().outcomes()
                    .forEach(o -> counts.merge(o.run().key(), o.count(), Long::sum));
        }
        Map<String, Long> wholeCounts = new TreeMap<>();
        whole.outcomes().forEach(o -> wholeCounts.put(o.run().key(), o.count()));
        assertEquals(wholeCounts, counts);
    }

    @Test
    void jobsGiveTheSameExploration() throws Exception {
        Exploration one = explorer().preemptions(0).build().explore();
        Exploration two = explorer().preemptions(0).jobs(2).build().explore();
        assertEquals(one.render(), two.render());
        Optional<Outcome> clean = one.outcomes().stream().filter(o -> !o.bad()).findFirst();
        assertTrue(clean.isPresent());
    }

    @Test
    void runsOneAtATimeAreTheExplorationsRuns() throws Exception {
        Explorer explorer = explorer().preemptions(0).build();
        Map<String, Long> counts = new TreeMap<>();
        for (java.util.Iterator<Run> it = explorer.runs(); it.hasNext(); ) {
            Run run = it.next();
            counts.merge(run.key(), 1L, Long::sum);
            assertEquals(run.key(), explorer.replay(run.token()).key());
        }
        Map<String, Long> whole = new TreeMap<>();
        explorer.explore().outcomes().forEach(o -> whole.put(o.run().key(), o.count()));
        assertEquals(whole, counts);
    }
}
