package dev.kmodharness.explore;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.junit.InitSteps;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bug that needs a rare order of three loads: {@code b} imports {@code a}'s symbol; one task
 * runs {@code modprobe b}, one {@code modprobe a fail=1} (a probe that fails on a bad
 * parameter, -ENODEV), one a good {@code modprobe a}. Whatever the bad load does, the two good
 * ones should leave a and b LIVE. They do not when b links while the bad a is COMING (kmod 29
 * counts a COMING module as loaded, so b's modprobe skips inserting a, and the good modprobe a
 * may too) and the bad init then fails: b's symbol wait wakes to find no a (kernel/module/main.c,
 * resolve_symbol_wait, then "Unknown symbol a_get (err -2)"). Plain runs of the script did not hit
 * it (see the README); the default strategy and pct find it well within their default budget.
 */
class ThreeLoadsTest {

    static final List<String> SCRIPT = List.of("modprobe b &", "modprobe a fail=1 &", "modprobe a &", "wait");
    static final String A_LIVE = "/sys/module/a/initstate:live";
    static final String B_LIVE = "/sys/module/b/initstate:live";
    /** The default budget of an exploration (--schedules). */
    static final int BUDGET = 10_000;

    @TempDir
    static Path dir;

    @BeforeAll
    static void modules() {
        plugin("a").license("GPL").exports("a_get").params("fail")
                .does(InitSteps.failsIfParam("fail", "1", -19)).exit().writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_get").exit().writeTo(dir);
    }

    static Explorer.Builder explorer() throws Exception {
        return Explorer.builder().modules(dir).script(SCRIPT, dir).expect(A_LIVE, B_LIVE);
    }

    /** The first schedule that loses b, and its index from 0; null when none within the budget. */
    record Found(int index, Run run) {
    }

    static Found firstLosingB(Explorer explorer) {
        Iterator<Run> runs = explorer.runs();
        for (int i = 0; i < BUDGET && runs.hasNext(); i++) {
            Run run = runs.next();
            if (explorer.broken(run).contains(B_LIVE)) {
                return new Found(i, run);
            }
        }
        return null;
    }

    @Test
    void theDefaultScheduleLoadsBoth() throws Exception {
        Run run = explorer().build().replay("S");
        assertEquals(Run.End.FINISHED, run.end());
        assertEquals(List.of("b live", "a live"), run.states());
        assertEquals("", run.err());
        assertEquals(0, run.status());
    }

    @Test
    void theDefaultStrategyFindsTheOrderThatLosesB() throws Exception {
        Explorer explorer = explorer().build();
        Found found = firstLosingB(explorer);
        assertNotNull(found, "not found within the default budget");
        // dfs runs every schedule without a preemption first: none of those loses b
        assertTrue(found.run().trace().preemptions() > 0);
        Run run = explorer.replay(found.run().token());
        assertEquals(found.run().key(), run.key());
        assertLostB(run);
        // b linked while the bad a was COMING, and woke to find it gone
        String table = run.trace().table();
        int coming = table.indexOf("a COMING");
        int waits = table.indexOf("waits: b resolving a_get");
        int going = table.indexOf("a GOING");
        assertTrue(coming >= 0 && waits > coming && going > waits, table);
    }

    @Test
    void pctFindsItTooAndItsSeedReproduces() throws Exception {
        Found found = firstLosingB(explorer().strategy("pct").build());
        assertNotNull(found, "not found within the default budget");
        assertLostB(found.run());
        Found again = firstLosingB(explorer().strategy("pct").build());
        assertEquals(found.index(), again.index());
        assertEquals(found.run().key(), again.run().key());
    }

    private static void assertLostB(Run run) {
        assertTrue(run.err().contains("modprobe: ERROR: could not insert 'b': Unknown symbol in module, "
                + "or unknown parameter (see dmesg)\n"), run::err);
        assertTrue(run.dmesg().stream().anyMatch(l -> l.endsWith("b: Unknown symbol a_get (err -2)")),
                () -> String.join("\n", run.dmesg()));
        assertFalse(run.states().contains("b live"), run.states()::toString);
    }
}
