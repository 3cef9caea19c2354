package dev.kmodharness.shell;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole script is validated before any line runs: a malformed one exits 2 with one line
 * naming the line number and what is wrong, and runs nothing.
 */
class ScriptValidationTest {

    @TempDir
    Path dir;

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("foo", "unknown command 'foo'"),
                Arguments.of("  foo bar &", "unknown command 'foo'"),
                Arguments.of("wait &", "wait cannot run in the background in 'wait &'"),
                Arguments.of("&", "'&' without a command in '&'"),
                Arguments.of("lsmod & dmesg", "'&' not at the end of the line in 'lsmod & dmesg'"),
                Arguments.of("lsmod & &", "'&' not at the end of the line in 'lsmod & &'"),
                Arguments.of("lsmod && dmesg", "unsupported shell syntax '&&' in 'lsmod && dmesg'"),
                Arguments.of("lsmod | grep a", "unsupported shell syntax '|' in 'lsmod | grep a'"),
                Arguments.of("lsmod > out.txt", "unsupported shell syntax '>' in 'lsmod > out.txt'"),
                Arguments.of(" modprobe a;  lsmod ", "unsupported shell syntax ';' in 'modprobe a;  lsmod'"),
                Arguments.of("modprobe $M", "unsupported shell syntax '$' in 'modprobe $M'"),
                Arguments.of("modprobe", "missing module name in 'modprobe'"),
                Arguments.of("modprobe -r", "missing module name in 'modprobe -r'"),
                Arguments.of("modprobe -v a", "unknown option '-v' in 'modprobe -v a'"),
                Arguments.of("modprobe a =1", "bad parameter '=1' in 'modprobe a =1'"),
                Arguments.of("insmod", "missing module file in 'insmod'"),
                Arguments.of("insmod -f a.jar", "unknown option '-f' in 'insmod -f a.jar'"),
                Arguments.of("insmod a.jar =x", "bad parameter '=x' in 'insmod a.jar =x'"),
                Arguments.of("rmmod", "missing module name in 'rmmod'"),
                Arguments.of("rmmod -f a", "unknown option '-f' in 'rmmod -f a'"),
                Arguments.of("lsmod -v", "unexpected argument '-v' in 'lsmod -v'"),
                Arguments.of("dmesg -c", "unexpected argument '-c' in 'dmesg -c'"),
                Arguments.of("wait 1", "unexpected argument '1' in 'wait 1'"),
                Arguments.of("cat", "missing file operand in 'cat'"),
                Arguments.of("cat /etc/passwd", "unsupported file '/etc/passwd' in 'cat /etc/passwd' (cat reads "
                        + "/proc/modules, /sys/module/NAME/initstate and /sys/module/NAME/refcnt)"),
                Arguments.of("cat /sys/module/a/holders", "unsupported file '/sys/module/a/holders' in "
                        + "'cat /sys/module/a/holders' (cat reads /proc/modules, /sys/module/NAME/initstate and "
                        + "/sys/module/NAME/refcnt)"),
                Arguments.of("sleep", "missing operand in 'sleep'"),
                Arguments.of("sleep abc", "invalid time interval 'abc' in 'sleep abc'"),
                Arguments.of("sleep -1", "invalid time interval '-1' in 'sleep -1'"),
                Arguments.of("sleep 1x", "invalid time interval '1x' in 'sleep 1x'"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void aMalformedLineExits2NamingItsLineAndNothingRuns(String line, String problem) throws Exception {
        plugin("a").license("GPL").printk("a: init").exit().writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            ShellRun.Result r = ShellRun.run(kernel, dir, "modprobe a", "# fine so far", line, "lsmod");

            assertEquals(2, r.status());
            assertEquals("kmod-harness: script line 3: " + problem + "\n", r.err());
            assertEquals("", r.out());
            assertTrue(kernel.module("a").isEmpty(), "line 1 did not run");
            assertEquals(List.of(), kernel.dmesg());
        }
    }

    @Test
    void onlyTheFirstMalformedLineIsReported() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            ShellRun.Result r = ShellRun.run(kernel, dir, "", "foo", "bar", "wait &");

            assertEquals(2, r.status());
            assertEquals("kmod-harness: script line 2: unknown command 'foo'\n", r.err());
        }
    }

    @Test
    void parseKeepsLineNumbersAndReadsTheBackgroundMark() throws Exception {
        Script script = Script.parse(List.of(
                "# header", "modprobe a&", "", "lsmod &# table in the background", "rmmod a b", "wait"));

        assertEquals(4, script.size());
        List<Script.Line> lines = script.lines();
        assertEquals(List.of(2, 4, 5, 6), lines.stream().map(Script.Line::number).toList());
        assertEquals(new Script.Modprobe("a", List.of()), lines.get(0).command());
        assertTrue(lines.get(0).background());
        assertEquals(new Script.Lsmod(), lines.get(1).command());
        assertTrue(lines.get(1).background());
        assertEquals(new Script.Rmmod(List.of("a", "b")), lines.get(2).command());
        assertFalse(lines.get(2).background());
        assertEquals(new Script.Wait(), lines.get(3).command());
    }

    @Test
    void sleepTakesGnuSleepsIntervalsAndAddsThemUp() throws Exception {
        assertEquals(new Script.Sleep(30_000_000_000L), only("sleep 30"));
        assertEquals(new Script.Sleep(500_000_000L), only("sleep .5"));
        assertEquals(new Script.Sleep(121_500_000_000L), only("sleep 1.5 2m"));
        assertEquals(new Script.Sleep(3_600_000_000_000L + 86_400_000_000_000L), only("sleep 1h 1d"));
        assertEquals(new Script.Sleep(1), only("sleep 0.0000000001"), "rounded up to whole nanoseconds");
        ScriptException tooLong = assertThrows(ScriptException.class, () -> only("sleep 999999999999d"));
        assertEquals(1, tooLong.lineNumber());
    }

    @Test
    void modprobeOptionsAndParameters() throws Exception {
        assertEquals(new Script.ModprobeRemove(List.of("a", "b")), only("modprobe -r a b"));
        assertEquals(new Script.ModprobeRemove(List.of("a")), only("modprobe a --remove"));
        assertEquals(new Script.Modprobe("i915", List.of("enable_gvt=1", "debug")), only("modprobe i915 enable_gvt=1 debug"));
        assertEquals(new Script.Insmod("x/y.jar", List.of("p=1")), only("insmod x/y.jar p=1"));
        assertEquals(new Script.Cat(List.of("/proc/modules", "/sys/module/a/refcnt")),
                only("cat /proc/modules /sys/module/a/refcnt"));
    }

    private static Script.Command only(String line) throws ScriptException {
        return Script.parse(List.of(line)).lines().get(0).command();
    }
}
