package dev.kmodharness.cli;

import static dev.kmodharness.junit.InitSteps.sleepsForever;
import static dev.kmodharness.junit.InitSteps.spinsUntilInterrupted;
import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line never stays silent: a stuck init ends modprobe and run by themselves, exit
 * 1, with the detector's report, dmesg and lsmod; --console shows each printk line as it is
 * logged. Small thresholds (a 0.1 s watchdog_thresh, a 0.2 s hung_task_timeout_secs).
 */
class HangCliTest {

    /** The call trace's frame of the plugin's own sleep, where the stuck init waits (the test itself never sleeps). */
    private static final String SLEEP_FRAME = " " + Thread.class.getName() + ".sleep";

    private static final String[] FAST = {"--watchdog-thresh", "0.1", "--hung-task-timeout", "0.2"};

    @TempDir
    Path dir;

    /** Standard output, a line each, without the dmesg timestamps. */
    private static List<String> outLinesUntimed(CliRun r) {
        return r.outLines().stream().map(l -> l.replaceFirst("^\\[ *\\d+\\.\\d{6}\\] ", "")).toList();
    }

    private String[] args(String... rest) {
        String[] all = new String[rest.length + FAST.length];
        System.arraycopy(rest, 0, all, 0, 3);
        System.arraycopy(FAST, 0, all, 3, FAST.length);
        System.arraycopy(rest, 3, all, 3 + FAST.length, rest.length - 3);
        return all;
    }

    @Test
    void modprobeOfASpinningInitEndsWithTheSoftLockupReport() {
        plugin("a").license("GPL").does(spinsUntilInterrupted()).writeTo(dir);

        CliRun r = CliRun.run(args("modprobe", "--modules", dir.toString(), "a"));

        assertEquals(1, r.status(), r::toString);
        assertEquals("kmod-harness: hung: soft lockup of task modprobe a:2 (the report is in dmesg)\n", r.err());
        List<String> lines = outLinesUntimed(r);
        int bug = -1;
        for (int i = 0; i < lines.size() && bug < 0; i++) {
            bug = lines.get(i).matches("watchdog: BUG: soft lockup - CPU#0 stuck for [0-9]+s! \\[modprobe a:2\\]") ? i : -1;
        }
        assertTrue(bug >= 0, r::toString);
        assertEquals("Modules linked in: a(+)", lines.get(bug + 1));
        assertTrue(lines.contains(" kmodtest.a.init.Init.<clinit>(Unknown Source) [a]"), r::toString);
        assertTrue(lines.contains("Module                  Size  Used by"), r::toString);
    }

    @Test
    void runOfAScriptWhoseModprobeBlocksEndsWithTheHungTaskReport() throws Exception {
        plugin("a").license("GPL").does(sleepsForever()).writeTo(dir);
        plugin("b").license("GPL").printk("b: loaded").writeTo(dir);
        Path script = Files.writeString(dir.resolve("script.sh"), "modprobe b\nmodprobe a\nlsmod\n");

        CliRun r = CliRun.run(args("run", "--modules", dir.toString(), script.toString()));

        assertEquals(1, r.status(), r::toString);
        assertEquals("kmod-harness: hung: hung task sh:2 (the report is in dmesg)\n", r.err());
        List<String> lines = outLinesUntimed(r);
        assertTrue(lines.stream().anyMatch(l -> l.matches("INFO: task sh:2 blocked for more than [0-9]+ seconds\\.")),
                r::toString);
        assertTrue(lines.contains("b: loaded"), r::toString);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(SLEEP_FRAME)), r::toString);
    }

    @Test
    void consoleShowsEachLineOnStandardErrorAsItIsLogged() {
        plugin("a").license("GPL").printk("a: hello").printk("a: bye").writeTo(dir);

        CliRun r = CliRun.run("modprobe", "--modules", dir.toString(), "--console", "a");

        assertEquals(0, r.status(), r::toString);
        List<String> dmesg = r.out().lines().takeWhile(l -> !l.isEmpty()).toList();
        assertTrue(dmesg.stream().anyMatch(l -> l.endsWith("] a: hello")), r::toString);
        assertEquals(dmesg, r.err().lines().toList(), "the console printed dmesg's lines, in order");
    }

    @Test
    void withoutConsoleStandardErrorStaysQuiet() {
        plugin("a").license("GPL").printk("a: hello").writeTo(dir);

        CliRun r = CliRun.run("modprobe", "--modules", dir.toString(), "a");

        assertEquals(0, r.status(), r::toString);
        assertEquals("", r.err());
    }
}
