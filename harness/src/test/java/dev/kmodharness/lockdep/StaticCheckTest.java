package dev.kmodharness.lockdep;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.cli.Main;
import dev.kmodharness.kmod.Depmod;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The static check finds, from bytecode alone, the cycles that will hang, with their cost. */
class StaticCheckTest {

    private static final long THIRTY_SECONDS = 30_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void requestFromInitToAnImporterIsAHangingCycle() throws Exception {
        plugin("a").license("GPL").exportsGpl("a_one", "a_two").requests("b").writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_one", "a_two").writeTo(dir);

        List<StaticCheck.Cycle> cycles = StaticCheck.cycles(Depmod.scan(dir), THIRTY_SECONDS);

        assertEquals(1, cycles.size());
        StaticCheck.Cycle cycle = cycles.get(0);
        assertEquals("a -> b -> a", cycle.chain());
        assertEquals(List.of(new StaticCheck.Wait("b", "a", List.of("a_one", "a_two"))), cycle.waits());
        assertEquals(2 * THIRTY_SECONDS, cycle.costNanos());
    }

    @Test
    void nowaitRequestsAndOneWayImportsDoNotHang() throws Exception {
        plugin("a").license("GPL").exportsGpl("a_one").requestsNowait("b").writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_one").writeTo(dir);
        plugin("c").license("GPL").requests("d").writeTo(dir);
        plugin("d").license("GPL").imports("a", "a_one").writeTo(dir);

        Depmod index = Depmod.scan(dir);

        assertEquals(List.of(), StaticCheck.cycles(index, THIRTY_SECONDS));
        assertEquals(List.of(new StaticCheck.Request("a", "b", false), new StaticCheck.Request("c", "d", true)),
                StaticCheck.requests(index));
    }

    @Test
    void cyclesThroughSeveralRequestsAreFound() throws Exception {
        plugin("a").license("GPL").exportsGpl("a_sym").requests("b").writeTo(dir);
        plugin("b").license("GPL").requests("c").writeTo(dir);
        plugin("c").license("GPL").imports("a", "a_sym").writeTo(dir);

        List<StaticCheck.Cycle> cycles = StaticCheck.cycles(Depmod.scan(dir), THIRTY_SECONDS);

        assertEquals(1, cycles.size());
        assertEquals("a -> b -> c -> a", cycles.get(0).chain());
        assertEquals(THIRTY_SECONDS, cycles.get(0).costNanos());
    }

    @Test
    void commandExitsOneOnACycleAndZeroWithout() throws Exception {
        plugin("a").license("GPL").exportsGpl("a_one").requests("b").writeTo(dir.resolve("hangs"));
        plugin("b").license("GPL").imports("a", "a_one").writeTo(dir.resolve("hangs"));
        plugin("a").license("GPL").exportsGpl("a_one").writeTo(dir.resolve("fine"));
        plugin("b").license("GPL").imports("a", "a_one").writeTo(dir.resolve("fine"));

        StringWriter out = new StringWriter();
        assertEquals(1, Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()),
                "check", "--modules", dir.resolve("hangs").toString()));
        assertTrue(out.toString().contains("cycle: a -> b -> a hangs 30 s (1 symbol x 30 s)"), out.toString());
        assertTrue(out.toString().contains("  b waits for a, COMING, for: a_one"), out.toString());

        StringWriter fine = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(fine), new PrintWriter(new StringWriter()),
                "check", "--modules", dir.resolve("fine").toString()));
        assertTrue(fine.toString().contains("check: 2 modules, 0 cycles that hang"), fine.toString());
    }
}
