package dev.kmodharness.scenarios;

import static dev.kmodharness.junit.InitSteps.closesSystemStreams;
import static dev.kmodharness.junit.InitSteps.sleepsForever;
import static dev.kmodharness.junit.InitSteps.spinsUntilInterrupted;
import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar kmod-harness.jar} never stays silent: an init that spins, one blocked
 * outside the harness (both with thresholds of half a second, to keep the suite fast), and a
 * gate-off class-initialization deadlock (with the defaults) each make modprobe print the
 * detector's or lockdep's report, dmesg and lsmod, and exit 1 by itself; Ctrl-C prints dmesg and each task's state; a module closing System.out silences
 * nothing.
 */
class NeverSilentProcessTest {

    @TempDir
    Path tmp;

    private record Run(int status, String out, String err) {
        List<String> outTexts() {
            return out.lines().map(l -> l.replaceFirst("^\\[ *\\d+\\.\\d{6}\\] ", "")).toList();
        }

        @Override
        public String toString() {
            return "exit " + status + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    private Process start(String... args) throws IOException {
        Path jar = Sets.cliJar();
        assertTrue(Files.isRegularFile(jar), () -> jar + " not built (harness's package phase builds it)");
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-jar", jar.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .redirectOutput(tmp.resolve("stdout").toFile())
                .redirectError(tmp.resolve("stderr").toFile())
                .start();
        process.getOutputStream().close();
        return process;
    }

    private Run finish(Process process) throws Exception {
        // a guard against a hang, not a timing assertion
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("did not exit by itself:\n" + read("stdout") + read("stderr"));
        }
        return new Run(process.exitValue(), read("stdout"), read("stderr"));
    }

    private String read(String name) throws IOException {
        return Files.readString(tmp.resolve(name), StandardCharsets.UTF_8);
    }

    private Path modules() throws IOException {
        return Files.createDirectories(tmp.resolve("modules"));
    }

    @Test
    void aSpinningInitEndsModprobeWithASoftLockup() throws Exception {
        Path dir = modules();
        plugin("a").license("GPL").does(spinsUntilInterrupted()).writeTo(dir);

        Run r = finish(start("modprobe", "--modules", dir.toString(), "--watchdog-thresh", "0.25", "a"));

        assertEquals(1, r.status(), r::toString);
        assertEquals("kmod-harness: hung: soft lockup of task modprobe a:2 (the report is in dmesg)\n", r.err());
        List<String> out = r.outTexts();
        assertTrue(out.stream().anyMatch(l -> l.matches("watchdog: BUG: soft lockup - CPU#0 stuck for [0-9]+s! \\[modprobe a:2\\]")),
                r::toString);
        assertTrue(out.contains(" kmodtest.a.init.Init.<clinit>(Unknown Source) [a]"), r::toString);
        assertTrue(out.contains("Module                  Size  Used by"), r::toString);
    }

    @Test
    void anInitBlockedOutsideTheHarnessEndsModprobeWithAHungTask() throws Exception {
        Path dir = modules();
        plugin("a").license("GPL").does(sleepsForever()).writeTo(dir);

        Run r = finish(start("modprobe", "--modules", dir.toString(), "--hung-task-timeout", "0.5", "a"));

        assertEquals(1, r.status(), r::toString);
        assertEquals("kmod-harness: hung: hung task modprobe a:2 (the report is in dmesg)\n", r.err());
        List<String> out = r.outTexts();
        assertTrue(out.stream().anyMatch(l -> l.matches("INFO: task modprobe a:2 blocked for more than [0-9]+ seconds\\.")),
                r::toString);
        assertTrue(out.contains("\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message."),
                r::toString);
    }

    @Test
    void aGateOffClassInitDeadlockEndsModprobeHungForGood() throws Exception {
        Path dir = modules();
        plugin("a").license("GPL").exportsGpl("a_sym").requests("b").initOnSymbols().writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_sym").writeTo(dir);

        Run r = finish(start("modprobe", "--modules", dir.toString(), "--gate", "off", "a"));

        assertEquals(1, r.status(), r::toString);
        assertTrue(r.err().startsWith("kmod-harness: hung: "), r::toString);
        List<String> out = r.outTexts();
        assertTrue(out.contains("WARNING: possible circular module dependency detected"), r::toString);
        assertTrue(out.contains(" *** DEADLOCK: a init -> request_module(b) -> b resolving a_sym -> a COMING ***"),
                r::toString);
    }

    @Test
    void ctrlCPrintsDmesgAndEachTasksState() throws Exception {
        Path dir = modules();
        plugin("a").license("GPL").does(sleepsForever()).writeTo(dir);
        plugin("b").license("GPL").printk("b: loaded").writeTo(dir);
        Path script = Files.writeString(tmp.resolve("script.sh"), "modprobe b\nmodprobe a\n");
        Process process = start("run", "--modules", dir.toString(), "--console", "--hung-task-timeout", "0",
                script.toString());
        await().atMost(Duration.ofMinutes(1)).until(() -> read("stderr").contains("] b: loaded"));

        process.destroy(); // SIGTERM: the shutdown hooks run, as on Ctrl-C's SIGINT
        Run r = finish(process);

        List<String> out = r.out().lines().toList();
        assertEquals("kmod-harness: interrupted; dmesg so far and the kernel's tasks:", out.get(0), r::toString);
        assertTrue(out.stream().anyMatch(l -> l.endsWith("] b: loaded")), r::toString);
        assertTrue(out.contains("sysrq: Show State"), r::toString);
        assertTrue(out.stream().anyMatch(l -> l.matches("task:sh +state:[RSD] stack:0 +pid:2 .*")), r::toString);
    }

    @Test
    void aModuleClosingSystemOutSilencesNothing() throws Exception {
        Path dir = modules();
        plugin("a").license("GPL").does(closesSystemStreams()).writeTo(dir);

        Run r = finish(start("modprobe", "--modules", dir.toString(), "--console", "--initcall-debug", "a"));

        assertEquals(0, r.status(), r::toString);
        // initcall_debug's lines come after the init closed System.out and System.err.
        assertTrue(r.outTexts().stream().anyMatch(l -> l.startsWith("initcall ")), r::toString);
        assertTrue(r.out().contains("Module                  Size  Used by\na "), r::toString);
        // The console still reached standard error after the init closed System.err.
        assertEquals(r.out().lines().takeWhile(l -> !l.isEmpty()).toList(), r.err().lines().toList(), r::toString);
    }
}
