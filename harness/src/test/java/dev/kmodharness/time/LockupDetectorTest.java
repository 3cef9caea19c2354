package dev.kmodharness.time;

import static dev.kmodharness.junit.InitSteps.sleepsForever;
import static dev.kmodharness.junit.InitSteps.spinsUntilInterrupted;
import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.module.ModuleState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The kernel's lockup detectors on real time, under either clock: an init that spins is a
 * soft lockup (kernel/watchdog.c), one blocked outside the harness is a hung task
 * (kernel/hung_task.c). Each is reported once with its call trace, and the kernel's waiters
 * stop waiting for it: awaitIdle returns false. Thresholds of 200 ms keep the tests fast.
 */
class LockupDetectorTest {

    /** The call trace's frame of the plugin's own sleep, where the stuck init waits (the test itself never sleeps). */
    private static final String SLEEP_FRAME = " " + Thread.class.getName() + ".sleep";

    private static final Duration THRESHOLD = Duration.ofMillis(200);

    @TempDir
    Path dir;

    private Kernel boot(ClockMode clock) throws Exception {
        return Kernel.builder().modules(dir).clock(clock).softLockup(THRESHOLD).hungTaskTimeout(THRESHOLD).build();
    }

    @ParameterizedTest
    @EnumSource(ClockMode.class)
    void spinningInitIsASoftLockup(ClockMode clock) throws Exception {
        plugin("a").license("GPL").does(spinsUntilInterrupted()).writeTo(dir);
        try (Kernel kernel = boot(clock)) {
            Thread task = kernel.exec("modprobe a", () -> kernel.modprobe("a"));

            assertFalse(kernel.awaitIdle(), "a stuck task: the kernel cannot go idle");
            List<String> text = texts(kernel);
            // The kernel prints how long the task was stuck: a whole number of seconds, 0 here.
            int bug = indexOfMatch(text, "watchdog: BUG: soft lockup - CPU#0 stuck for [0-9]+s! \\[modprobe a:2\\]");
            assertTrue(bug >= 0, text::toString);
            assertEquals("Modules linked in: a(+)", text.get(bug + 1));
            // show_regs' dump_stack_print_info, print_tainted() read before the report taints L
            assertEquals("CPU: 0 PID: 2 Comm: modprobe a Not tainted 5.15.0 #1", text.get(bug + 2));
            assertEquals("Call Trace:", text.get(bug + 3));
            assertEquals(" <TASK>", text.get(bug + 4));
            assertTrue(text.contains(" kmodtest.a.init.Init.<clinit>(Unknown Source) [a]"), text::toString);
            assertEquals(1, kernel.lockups().size());
            assertEquals(Lockup.Kind.SOFT_LOCKUP, kernel.lockups().get(0).kind());
            assertEquals("soft lockup of task modprobe a:2", kernel.lockups().get(0).summary());
            // add_taint(TAINT_SOFTLOCKUP): L, the 15th of 5.15's 18 columns
            assertEquals("Tainted: G" + " ".repeat(13) + "L" + " ".repeat(3), kernel.tainted());

            // The spin ends on an interrupt; the init returns and the kernel goes idle.
            task.interrupt();
            await().atMost(Duration.ofSeconds(10)).until(() -> !task.isAlive());
            assertTrue(kernel.awaitIdle());
            assertEquals(Optional.of(ModuleState.LIVE), kernel.state("a"));
            assertEquals(1, kernel.lockups().size(), "reported once");
        }
    }

    @ParameterizedTest
    @EnumSource(ClockMode.class)
    void initBlockedOutsideTheHarnessIsAHungTask(ClockMode clock) throws Exception {
        plugin("a").license("GPL").does(sleepsForever()).writeTo(dir);
        try (Kernel kernel = boot(clock)) {
            Thread task = kernel.exec("modprobe a", () -> kernel.modprobe("a"));

            assertFalse(kernel.awaitIdle());
            List<String> text = texts(kernel);
            int info = indexOfMatch(text, "INFO: task modprobe a:2 blocked for more than [0-9]+ seconds\\.");
            assertTrue(info >= 0, text::toString);
            assertEquals("      Not tainted 5.15.0 #1", text.get(info + 1));
            assertEquals("\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.",
                    text.get(info + 2));
            assertEquals("task:modprobe a      state:D stack:0     pid:2     tgid:2     ppid:0      flags:0x00000000",
                    text.get(info + 3));
            assertEquals("Call Trace:", text.get(info + 4));
            assertTrue(text.stream().anyMatch(l -> l.startsWith(SLEEP_FRAME)), text::toString);
            assertTrue(text.contains(" kmodtest.a.init.Init.<clinit>(Unknown Source) [a]"), text::toString);
            assertEquals(Lockup.Kind.HUNG_TASK, kernel.lockups().get(0).kind());
            assertTrue(text.stream().noneMatch(l -> l.contains("soft lockup")), text::toString);
            assertEquals("Not tainted", kernel.tainted(), "a hung task does not taint");

            task.interrupt();
            await().atMost(Duration.ofSeconds(10)).until(() -> !task.isAlive());
            assertTrue(kernel.awaitIdle());
            assertTrue(kernel.state("a").isEmpty(), "the interrupted sleep failed the init");
        }
    }

    @ParameterizedTest
    @EnumSource(ClockMode.class)
    void initsThatWaitInTheHarnessAreNeverReported(ClockMode clock) throws Exception {
        // 100 waits of 10 ms of kernel time each: under the real clock's 1/120 scale about 8 ms
        // of real time in all, yet each wait is a switch: never stuck.
        var a = plugin("a").license("GPL");
        for (int i = 0; i < 100; i++) {
            a.msleep(10);
        }
        a.writeTo(dir);
        try (Kernel kernel = boot(clock)) {
            assertEquals(0, kernel.modprobe("a").status());
            assertTrue(kernel.awaitIdle());
            assertEquals(List.of(), kernel.lockups());
        }
    }

    private static int indexOfMatch(List<String> lines, String regex) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).matches(regex)) {
                return i;
            }
        }
        return -1;
    }

    private static List<String> texts(Kernel kernel) {
        return kernel.dmesgRecords().stream().map(r -> r.text()).toList();
    }
}
