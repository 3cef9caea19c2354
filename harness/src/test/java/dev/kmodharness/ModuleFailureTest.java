package dev.kmodharness;

import static dev.kmodharness.Scenarios.LIVE;
import static dev.kmodharness.Scenarios.NOT_LOADED;
import static dev.kmodharness.Scenarios.boot;
import static dev.kmodharness.Scenarios.eventually;
import static dev.kmodharness.Scenarios.module;
import static dev.kmodharness.Scenarios.texts;
import static dev.kmodharness.junit.InitSteps.allocatesHugeArray;
import static dev.kmodharness.junit.InitSteps.asyncSchedules;
import static dev.kmodharness.junit.InitSteps.interruptsItself;
import static dev.kmodharness.junit.InitSteps.recursesForever;
import static dev.kmodharness.junit.InitSteps.schedulesWork;
import static dev.kmodharness.junit.InitSteps.throwsNew;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.junit.ClassFiles;
import dev.kmodharness.junit.InitStep;
import dev.kmodharness.junit.InitSteps;
import dev.kmodharness.junit.PluginBuilder;
import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.module.ModuleState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Module code that fails, and the kernel's answer: an init or exit that throws anything (Errors
 * included) is one dmesg line and an errno, the module freed; a work item that throws is an
 * oops that taints the kernel D and ends that task only; the interrupt flag module code leaves
 * stays with the module.
 */
@Timeout(20)
class ModuleFailureTest {

    /** print_tainted() after an oops on 5.15: G, then a column per flag (18), D the eighth. */
    static final String TAINTED_D = "Tainted: G" + " ".repeat(6) + "D" + " ".repeat(10);

    @TempDir
    Path dir;

    /** The module with a Runnable {@code runnable} in its JAR whose run() does {@code steps}. */
    static PluginBuilder work(PluginBuilder module, String runnable, InitStep... steps) {
        return module.resource(ClassFiles.entryName(runnable), InitSteps.runnableClass(runnable, steps));
    }

    // ---- init ----

    @ParameterizedTest
    @ValueSource(classes = {AssertionError.class, IllegalStateException.class, Error.class, LinkageError.class})
    void initThrowingAnyThrowableFailsWithOneLineAndTheModuleIsFreed(Class<? extends Throwable> type)
            throws IOException {
        module("a").exports("s").does(throwsNew(type, "boom")).writeTo(dir);
        module("b").imports("a", "s").writeTo(dir);
        int errno = LinkageError.class.isAssignableFrom(type) ? -2 : -14;

        try (Kernel kernel = boot(dir)) {
            Modprobe.Result result = kernel.modprobe("b");

            // a's error, in the one line naming the module asked for
            assertEquals(new Modprobe.Result(1, List.of("modprobe: ERROR: could not insert 'b': "
                    + (errno == -2 ? "Unknown symbol in module, or unknown parameter (see dmesg)" : "Bad address"))),
                    result);
            assertEquals(List.of("a: module_init threw " + type.getName() + ": boom (err " + errno + ")"), texts(kernel));
            assertEquals(NOT_LOADED, kernel.state("a"));
            assertEquals(NOT_LOADED, kernel.state("b"));
            assertTrue(kernel.awaitIdle());
        }
    }

    @Test
    void stackOverflowInInitIsOneLineAndEfault() throws IOException {
        Path a = module("a").does(recursesForever()).writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(-14, kernel.insmod(a));

            assertEquals(List.of("a: module_init threw java.lang.StackOverflowError (err -14)"), texts(kernel));
            assertEquals(NOT_LOADED, kernel.state("a"));
        }
    }

    @Test
    void outOfMemoryInInitIsEnomem() throws IOException {
        module("a").does(allocatesHugeArray()).writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(new Modprobe.Result(1, List.of("modprobe: ERROR: could not insert 'a': Cannot allocate memory")),
                    kernel.modprobe("a"));

            assertEquals(List.of("a: module_init threw java.lang.OutOfMemoryError: Requested array size exceeds VM limit"
                    + " (err -12)"), texts(kernel));
            assertEquals(NOT_LOADED, kernel.state("a"));
        }
    }

    @Test
    void anErrorInInitPrintsNoStackTraceAndReachesNoCaller() throws IOException {
        module("a").does(throwsNew(AssertionError.class, "boom")).writeTo(dir);
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (Kernel kernel = boot(dir)) {
            System.setErr(new PrintStream(captured, true));
            AtomicReference<Object> outcome = new AtomicReference<>();
            kernel.exec("modprobe a", () -> outcome.set(kernel.modprobe("a")));

            assertTrue(kernel.awaitIdle());
            assertEquals(new Modprobe.Result(1, List.of("modprobe: ERROR: could not insert 'a': Bad address")),
                    outcome.get());
        } finally {
            System.setErr(stderr);
        }
        assertEquals("", captured.toString(), "nothing on the JVM's stderr");
    }

    @Test
    void waitersOnAModuleWhoseInitThrowsAnErrorWakeAtOnce() throws IOException {
        // a's init sleeps 10 s in kernel time, then throws: b waits on a's symbol meanwhile
        module("a").exports("s").requestsNowait("b").msleep(10_000).does(throwsNew(AssertionError.class, "late"))
                .writeTo(dir);
        module("b").imports("a", "s").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("a");
            assertTrue(kernel.awaitIdle());

            // msleep(10000) is 2,501 jiffies at HZ=250 (level 2 of the timer wheel, 64-jiffy
            // granularity): the expiry is rounded up to a 64-jiffy boundary, 10.208 s
            assertEquals(List.of(
                    "[    0.000000] a: request_module_nowait(b) returned 0",
                    "[   10.208000] a: module_init threw java.lang.AssertionError: late (err -14)",
                    "[   10.208000] b: Unknown symbol s (err -2)"), kernel.dmesg());
            assertEquals(NOT_LOADED, kernel.state("a"));
            assertEquals(NOT_LOADED, kernel.state("b"));
        }
    }

    @Test
    void theLoaderOfAModuleWhoseInitThrewAnErrorIsCollected() throws IOException {
        module("a").exports("s").does(throwsNew(AssertionError.class, "boom")).writeTo(dir);
        AtomicReference<WeakReference<ClassLoader>> loader = new AtomicReference<>();

        try (Kernel kernel = Kernel.builder().modules(dir).notifier(event -> {
            if (event.state() == ModuleState.COMING) {
                loader.set(new WeakReference<>(event.loader()));
            }
        }).build()) {
            assertEquals(-14, kernel.insmod(dir.resolve("a.jar")));
            assertEquals(NOT_LOADED, kernel.state("a"));

            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
                System.gc();
                return loader.get().get() == null;
            });
        }
    }

    @Test
    void anInitThatLeavesItsInterruptFlagSetDoesNotInterruptTheNextRequest() throws IOException {
        module("a").does(interruptsItself()).printk("a: init").writeTo(dir);
        module("b").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            Integer[] results = kernel.task(() -> new Integer[] {
                kernel.modprobe("a").status(), kernel.requestModule("b")});

            assertEquals(0, results[0]);
            assertEquals(0, results[1], "not -4 (-EINTR)");
            assertFalse(Thread.currentThread().isInterrupted());
            assertEquals(LIVE, kernel.state("b"));
        }
    }

    // ---- exit ----

    @Test
    void exitThrowingAnErrorIsOneLineAndTheModuleIsFreed() throws IOException {
        Path a = module("a").exitDoes(throwsNew(AssertionError.class, "bye")).writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(a));
            assertEquals(0, kernel.rmmod("a"));

            assertEquals(List.of("a: exit", "a: module_exit threw java.lang.AssertionError: bye"), texts(kernel));
            assertEquals(NOT_LOADED, kernel.state("a"));
            assertEquals(0, kernel.insmod(a), "loads again");
        }
    }

    // ---- work items: an oops ----

    @Test
    void workThatThrowsIsAnOopsTaintingTheKernelDAndTheKernelRunsOn() throws IOException {
        // init sleeps after queueing the work: kernel time stands still until the work has run,
        // so the oops comes while a is COMING, (+)
        work(module("a"), "kmodtest.a.Probe", throwsNew(IllegalStateException.class, "no device"))
                .does(schedulesWork("kmodtest.a.Probe")).msleep(1000).writeTo(dir);
        module("b").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals("Not tainted", kernel.tainted());
            assertEquals(0, kernel.modprobe("a").status());
            assertTrue(kernel.awaitIdle());

            String pid = texts(kernel).get(2).replaceAll("CPU: 0 PID: (\\d+) .*", "$1");
            assertEquals(List.of(
                    "BUG: unhandled java.lang.IllegalStateException: no device",
                    "Oops: 0000 [#1] SMP",
                    "CPU: 0 PID: " + pid + " Comm: kworker a Not tainted 5.15.0 #1",
                    "Workqueue: events kmodtest.a.Probe [a]",
                    "Call Trace:",
                    " <TASK>",
                    " kmodtest.a.Probe.run [a]",
                    " </TASK>",
                    "Modules linked in: a(+)",
                    "---[ end trace 0000000000000000 ]---"), texts(kernel));
            assertEquals(TAINTED_D, kernel.tainted());
            assertEquals(LIVE, kernel.state("a"));
            assertEquals(0, kernel.modprobe("b").status(), "the kernel runs on");
            assertEquals(LIVE, kernel.state("b"));
        }
    }

    @Test
    void asyncWorkThatThrowsAnErrorIsAnOopsAndInitStillFinishes() throws IOException {
        // init sleeps after queueing the work, as above: the oops comes while a is COMING, (+)
        // (without the sleep, a goes LIVE before async_synchronize_full, and the work may run
        // on either side of that)
        work(module("a"), "kmodtest.a.Probe", throwsNew(AssertionError.class, "bad probe"))
                .does(asyncSchedules("kmodtest.a.Probe")).msleep(1000).writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.modprobe("a").status());
            assertTrue(kernel.awaitIdle());

            List<String> lines = texts(kernel);
            assertEquals("BUG: unhandled java.lang.AssertionError: bad probe", lines.get(0));
            assertEquals("Oops: 0000 [#1] SMP", lines.get(1));
            assertEquals("Workqueue: events_unbound async_run_entry_fn", lines.get(3));
            // the oops happened while a was COMING: module_flags prints (+)
            assertEquals("Modules linked in: a(+)", lines.get(lines.size() - 2));
            assertTrue(kernel.tainted().contains("D"));
            assertEquals(LIVE, kernel.state("a"));
        }
    }

    @Test
    void theSecondOopsCountsAndShowsTheTaint() throws IOException {
        work(module("a"), "kmodtest.a.One", throwsNew(IllegalStateException.class, "1"))
                .does(schedulesWork("kmodtest.a.One")).msleep(1000).writeTo(dir);
        work(module("b"), "kmodtest.b.Two", throwsNew(IllegalStateException.class, "2"))
                .does(schedulesWork("kmodtest.b.Two")).msleep(1000).writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("a");
            assertTrue(kernel.awaitIdle());
            kernel.modprobe("b");
            assertTrue(kernel.awaitIdle());

            List<String> lines = texts(kernel);
            assertTrue(lines.contains("Oops: 0000 [#2] SMP"), lines::toString);
            String cpu = lines.stream().filter(l -> l.contains("Comm: kworker b")).findFirst().orElseThrow();
            assertEquals("Comm: kworker b " + TAINTED_D + " 5.15.0 #1", cpu.substring(cpu.indexOf("Comm:")));
            assertTrue(lines.contains("Modules linked in: b(+) a"), lines::toString);
        }
    }

    @Test
    void aWorkItemOopsIsReportedOnTheRealClockToo() throws IOException {
        work(module("a"), "kmodtest.a.Probe", throwsNew(IllegalStateException.class, "x"))
                .does(schedulesWork("kmodtest.a.Probe")).writeTo(dir);

        try (Kernel kernel = Kernel.builder().modules(dir).clock(dev.kmodharness.time.ClockMode.REAL).build()) {
            kernel.modprobe("a");
            eventually().until(() -> kernel.tainted().contains("D"));
            assertTrue(kernel.awaitIdle());
        }
    }
}
