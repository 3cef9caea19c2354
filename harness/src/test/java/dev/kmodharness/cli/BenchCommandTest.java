package dev.kmodharness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The bench commands on tiny sets, one round each: what they print and that every module
 * loaded (they fail otherwise). No figure is judged here: timing claims live in the README.
 */
class BenchCommandTest {

    /** The number the last line of {@code run} ends with, after {@code prefix}. */
    private static double lastFigure(CliRun run, String prefix) {
        List<String> lines = run.outLines();
        String last = lines.get(lines.size() - 1);
        Matcher m = Pattern.compile(Pattern.quote(prefix) + "(\\d+\\.\\d\\d)x?").matcher(last);
        assertTrue(m.matches(), () -> "last line: " + last + "\n" + run);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void loadEndsWithTheRatioOfTheMedians() {
        CliRun run = CliRun.run("bench", "load", "--modules", "30", "--rounds", "1", "--warmup", "0");
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.out().startsWith("bench load: dag x 30 (5 classes, init cost 0, 3 imports"), run::toString);
        assertTrue(lastFigure(run, "ratio harness/baseline median: ") > 0, run::toString);
    }

    @Test
    void modprobeGivesEachInitWorkByDefaultAndEndsWithTheSpeedup() {
        CliRun run = CliRun.run("bench", "modprobe", "--modules", "21", "--rounds", "1", "--warmup", "0", "--baseline");
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.out().startsWith("bench modprobe: wide x 21 (5 classes, init cost 20000,"), run::toString);
        assertTrue(run.out().contains("their share of the 20 leaves"), run::toString);
        assertTrue(run.out().contains("\nbaseline speedup 2 vs 1 threads (median): "), run::toString);
        assertTrue(run.out().contains("\nharness/baseline median, 1 thread: "), run::toString);
        assertTrue(run.out().contains("\nharness/baseline median, 2 threads: "), run::toString);
        assertTrue(lastFigure(run, "speedup 2 vs 1 threads (median): ") > 0, run::toString);

        CliRun empty = CliRun.run("bench", "modprobe", "--modules", "5", "--rounds", "1", "--warmup", "0", "--init-cost", "0");
        assertEquals(0, empty.status(), empty::toString);
        assertTrue(empty.out().startsWith("bench modprobe: wide x 5 (5 classes, init cost 0,"), empty::toString);
    }

    @Test
    void scalingEndsWithTheTimeRatio() {
        CliRun run = CliRun.run("bench", "scaling", "--small", "10", "--large", "30", "--rounds", "1", "--warmup", "0");
        assertEquals(0, run.status(), run::toString);
        List<String> lines = run.outLines();
        assertTrue(lines.get(lines.size() - 1).endsWith("(module ratio 3.00)"), run::toString);
        assertTrue(lines.get(lines.size() - 1).startsWith("time ratio 30/10 modules (harness median): "),
                run::toString);
    }

    @Test
    void badOptionsGetOneLineAndTheUsageStatus() {
        assertEquals(new CliRun(2, "", "kmod-harness: --threads takes counts between 1 and 256, not 0\n"),
                CliRun.run("bench", "modprobe", "--threads", "1,0"));
        assertEquals(new CliRun(2, "", "kmod-harness: --rounds must be at least 1: 0\n"),
                CliRun.run("bench", "load", "--rounds", "0"));
        assertEquals(new CliRun(2, "", "kmod-harness: want 1 <= --small < --large, not 10 and 10\n"),
                CliRun.run("bench", "scaling", "--small", "10", "--large", "10"));
        assertEquals(new CliRun(2, "", "kmod-harness: --top makes no sense here: the threads load the leaves\n"),
                CliRun.run("bench", "modprobe", "--top"));
    }
}
