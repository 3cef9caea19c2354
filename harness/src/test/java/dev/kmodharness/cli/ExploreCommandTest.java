package dev.kmodharness.cli;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code explore}'s command line: its output's last line, replay, and one-line usage errors. */
class ExploreCommandTest {

    @TempDir
    Path dir;

    Path script(String... lines) throws Exception {
        plugin("a").license("GPL").printk("a: hello").writeTo(dir.resolve("mods"));
        plugin("b").license("GPL").printk("b: hello").writeTo(dir.resolve("mods"));
        Path script = dir.resolve("script");
        Files.write(script, List.of(lines));
        return script;
    }

    @Test
    void twoIndependentLoadsEndTwoWaysInDmesgAndLsmodOrder() throws Exception {
        Path script = script("modprobe a &", "modprobe b &", "wait");
        CliRun r = CliRun.run("explore", "--modules", dir.resolve("mods").toString(), "--preemptions", "0", "--expect",
                "status 0", script.toString());
        assertEquals(0, r.status(), r::toString);
        List<String> lines = r.out().lines().toList();
        assertEquals("explored 4 schedules: 2 outcomes; space exhausted (dfs, at most 0 preemptions)",
                lines.get(lines.size() - 1));
        assertEquals("", r.err());
        List<String> tokens = lines.stream().filter(l -> l.startsWith("  replay: ")).map(l -> l.substring(10)).toList();
        assertEquals(2, tokens.size());
        for (String token : tokens) {
            CliRun replay = CliRun.run("explore", "--modules", dir.resolve("mods").toString(), "--replay", token,
                    script.toString());
            assertEquals(new CliRun(0, "", ""), replay);
        }
    }

    @Test
    void aBrokenExpectationExitsOne() throws Exception {
        Path script = script("modprobe a &", "modprobe b &", "wait", "lsmod");
        CliRun r = CliRun.run("explore", "--modules", dir.resolve("mods").toString(), "--strategy", "random",
                "--schedules", "3", "--expect", "/sys/module/c/initstate:live", script.toString());
        assertEquals(1, r.status(), r::toString);
        String last = r.out().lines().reduce((x, y) -> y).orElseThrow();
        assertTrue(last.matches("explored 3 schedules: [123] outcomes?; space not exhausted \\(random, seed 1, 3 schedules\\)"),
                last);
        assertTrue(r.out().contains("  BROKEN: expected '/sys/module/c/initstate:live'\n"), r::toString);
    }

    @Test
    void usageErrorsAreOneLine() throws Exception {
        Path script = script("modprobe a");
        String mods = dir.resolve("mods").toString();
        assertEquals(new CliRun(2, "", "kmod-harness: --shard takes I/N, not '1-2'\n"),
                CliRun.run("explore", "--modules", mods, "--shard", "1-2", script.toString()));
        assertEquals(new CliRun(2, "", "kmod-harness: shard 2/2: want 0 <= I < N\n"),
                CliRun.run("explore", "--modules", mods, "--shard", "2/2", script.toString()));
        assertEquals(new CliRun(2, "", "kmod-harness: --strategy takes dfs, pct or random, not 'bfs'\n"),
                CliRun.run("explore", "--modules", mods, "--strategy", "bfs", script.toString()));
        assertEquals(new CliRun(2, "", "kmod-harness: explore needs --clock virtual: a schedule owns the time\n"),
                CliRun.run("explore", "--modules", mods, "--clock", "real", script.toString()));
        assertEquals(new CliRun(2, "", "kmod-harness: not a replay token: 'x' (tokens start with S)\n"),
                CliRun.run("explore", "--modules", mods, "--replay", "x", script.toString()));
    }
}
