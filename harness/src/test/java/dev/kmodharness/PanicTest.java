package dev.kmodharness;

import static dev.kmodharness.Scenarios.LIVE;
import static dev.kmodharness.Scenarios.NOT_LOADED;
import static dev.kmodharness.Scenarios.boot;
import static dev.kmodharness.Scenarios.module;
import static dev.kmodharness.Scenarios.texts;
import static dev.kmodharness.junit.InitSteps.catchingEverything;
import static dev.kmodharness.junit.InitSteps.exitsByMethodReference;
import static dev.kmodharness.junit.InitSteps.runtimeExit;
import static dev.kmodharness.junit.InitSteps.runtimeHalt;
import static dev.kmodharness.junit.InitSteps.schedulesWork;
import static dev.kmodharness.junit.InitSteps.systemExit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.cli.Main;
import dev.kmodharness.junit.InitStep;
import dev.kmodharness.panic.KernelPanicException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * System.exit, Runtime.exit and Runtime.halt in module code: the harness rewrites them when it
 * defines the module's classes, so they panic the module's kernel instead of ending the JVM.
 * The kernel stays panicked: every later operation on it fails with the panic's line. The JVM
 * and every other kernel run on (this test's JVM surviving is part of each test).
 */
@Timeout(20)
class PanicTest {

    @TempDir
    Path dir;

    static Stream<Arguments> exits() {
        return Stream.of(
                Arguments.of(systemExit(3), "System.exit(3)"),
                Arguments.of(runtimeExit(4), "Runtime.exit(4)"),
                Arguments.of(runtimeHalt(5), "Runtime.halt(5)"),
                Arguments.of(exitsByMethodReference(6), "System.exit(6)"));
    }

    @ParameterizedTest
    @MethodSource("exits")
    void aJvmExitInInitPanicsTheKernel(InitStep exit, String call) throws IOException {
        module("a").printk("a: init").does(exit).printk("a: not reached").writeTo(dir);
        module("b").printk("b: init").writeTo(dir);
        String line = "Kernel panic - not syncing: " + call + " called by module a";

        try (Kernel kernel = boot(dir)) {
            KernelPanicException panic = assertThrows(KernelPanicException.class, () -> kernel.modprobe("a"));

            assertEquals(line, panic.getMessage());
            assertEquals(Optional.of(line), kernel.panicked());
            List<String> dmesg = texts(kernel);
            assertEquals("a: init", dmesg.get(0));
            assertEquals(line, dmesg.get(1));
            assertTrue(dmesg.get(2).matches("CPU: 0 PID: \\d+ Comm: \\S+ Not tainted 5\\.15\\.0 #1"), dmesg::toString);
            assertEquals(List.of("Call Trace:", " <TASK>", " kmodtest.a.init.Init.<clinit> [a]"), dmesg.subList(3, 6));
            assertEquals(" </TASK>", dmesg.get(dmesg.size() - 2));
            assertEquals("---[ end " + line + " ]---", dmesg.get(dmesg.size() - 1));
            assertEquals(NOT_LOADED, kernel.state("a"), "read-only views still answer");

            // every later operation fails with the panic's line
            assertEquals(line, assertThrows(KernelPanicException.class, () -> kernel.modprobe("b")).getMessage());
            assertEquals(line, assertThrows(KernelPanicException.class, () -> kernel.insmod(dir.resolve("b.jar")))
                    .getMessage());
            assertEquals(line, assertThrows(KernelPanicException.class, () -> kernel.rmmod("a")).getMessage());
            assertEquals(line, assertThrows(KernelPanicException.class, () -> kernel.requestModule("b")).getMessage());
            assertEquals(line, assertThrows(KernelPanicException.class, () -> kernel.exec("x", () -> { }))
                    .getMessage());
            assertEquals(line, assertThrows(KernelPanicException.class, () -> kernel.sleep(Duration.ofSeconds(1)))
                    .getMessage());
            assertTrue(kernel.awaitIdle());
        }
    }

    @Test
    void anotherKernelInTheSameJvmIsUnharmed() throws IOException {
        module("a").does(systemExit(1)).writeTo(dir.resolve("bad"));
        module("a").printk("a: init").writeTo(dir.resolve("good"));

        try (Kernel bad = boot(dir.resolve("bad")); Kernel good = boot(dir.resolve("good"))) {
            assertThrows(KernelPanicException.class, () -> bad.modprobe("a"));

            assertEquals(0, good.modprobe("a").status());
            assertEquals(LIVE, good.state("a"));
            assertEquals(List.of("a: init"), texts(good));
            assertEquals(Optional.empty(), good.panicked());
        }
    }

    @Test
    void pluginCodeThatCatchesThePanicCannotUndoIt() throws IOException {
        module("a").exports("s").does(catchingEverything(systemExit(2))).printk("a: survived?").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            KernelPanicException panic = assertThrows(KernelPanicException.class, () -> kernel.modprobe("a"));

            assertEquals("Kernel panic - not syncing: System.exit(2) called by module a", panic.getMessage());
            assertTrue(texts(kernel).stream().noneMatch(l -> l.contains("survived")), texts(kernel)::toString);
            assertEquals(NOT_LOADED, kernel.state("a"), "its init did not complete");
        }
    }

    @Test
    void aJvmExitInExitOrWorkPanicsToo() throws IOException {
        Path a = module("a").exitDoes(systemExit(7)).writeTo(dir);
        ModuleFailureTest.work(module("w"), "kmodtest.w.Work", runtimeHalt(8)).does(schedulesWork("kmodtest.w.Work"))
                .writeTo(dir);

        try (Kernel kernel = boot(dir); Kernel other = boot(dir)) {
            assertEquals(0, kernel.insmod(a));
            assertThrows(KernelPanicException.class, () -> kernel.rmmod("a"));
            assertEquals(Optional.of("Kernel panic - not syncing: System.exit(7) called by module a"),
                    kernel.panicked());

            try {
                other.modprobe("w");
            } catch (KernelPanicException e) {
                // the work item may panic the kernel before modprobe returns
            }
            assertTrue(other.awaitIdle());
            assertEquals(Optional.of("Kernel panic - not syncing: Runtime.halt(8) called by module w"),
                    other.panicked());
            assertTrue(texts(other).get(1).matches("CPU: 0 PID: \\d+ Comm: kworker w Not tainted 5\\.15\\.0 #1"),
                    texts(other)::toString);
        }
    }

    @Test
    void theCommandLineEndsWithThePanicsLineAndExitStatus1() throws IOException {
        module("a").does(systemExit(0)).writeTo(dir);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int status = Main.run(new PrintWriter(out), new PrintWriter(err), "modprobe", "--modules", dir.toString(), "a");

        assertEquals(1, status);
        assertEquals("Kernel panic - not syncing: System.exit(0) called by module a\n", err.toString());
        assertTrue(out.toString().contains("] Kernel panic - not syncing: System.exit(0) called by module a\n"),
                out::toString);
        assertTrue(out.toString().endsWith("\nModule                  Size  Used by\n"), out::toString);
    }
}
