package dev.kmodharness;

import static dev.kmodharness.Scenarios.LIVE;
import static dev.kmodharness.Scenarios.NOT_LOADED;
import static dev.kmodharness.Scenarios.boot;
import static dev.kmodharness.Scenarios.module;
import static dev.kmodharness.Scenarios.moduleLoaderDmesg;
import static dev.kmodharness.Scenarios.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.kmod.Modprobe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** modprobe(8) over the depmod index: names, dependency order, what counts as loaded, bad files. */
@Timeout(10)
class ModprobeTest {

    private static final Modprobe.Result OK = new Modprobe.Result(0, List.of());

    @TempDir
    Path dir;

    @Test
    void dashInTheNameIsReadAsUnderscore() throws IOException {
        module("snd_dummy").printk("snd_dummy: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(OK, kernel.modprobe("snd-dummy"));

            assertEquals(LIVE, kernel.state("snd_dummy"));
            assertEquals(List.of("[    0.000000] snd_dummy: init"), kernel.dmesg());
        }
    }

    @Test
    void dependenciesAreLoadedFirstInDependencyOrder() throws IOException {
        module("a").exports("sa").printk("a: init").writeTo(dir);
        module("b").exports("sb").imports("a", "sa").printk("b: init").writeTo(dir);
        module("c").imports("b", "sb").imports("a", "sa").printk("c: init").writeTo(dir);
        module("unrelated").printk("unrelated: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(List.of("b", "a"), kernel.depmod().deps("c"));
            assertEquals(OK, kernel.modprobe("c"));

            assertEquals(List.of("a: init", "b: init", "c: init"), texts(kernel));
            assertEquals(List.of("c", "b"), kernel.module("a").orElseThrow().holders());
            assertEquals(List.of("c"), kernel.module("b").orElseThrow().holders());
            assertEquals(NOT_LOADED, kernel.state("unrelated"));
        }
    }

    @Test
    void aModuleAlreadyLiveCountsAsLoaded() throws IOException {
        module("a").exports("s").printk("a: init").writeTo(dir);
        module("b").imports("a", "s").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(OK, kernel.modprobe("a"));
            assertEquals(OK, kernel.modprobe("b"));
            assertEquals(OK, kernel.modprobe("b"), "modprobe of a loaded module succeeds quietly");

            assertEquals(List.of("a: init", "b: init"), texts(kernel));
        }
    }

    @Test
    void aComingDependencyCountsAsLoaded() throws IOException {
        // b's modprobe finds a COMING and goes straight on to b, which waits on a's symbol;
        // inserting a again would instead wait for a forever
        module("a").exports("s").printk("a: init").requests("b").writeTo(dir);
        module("b").imports("a", "s").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(OK, kernel.modprobe("a"));

            assertEquals(List.of(
                    "[    0.000000] a: init",
                    "[   31.712000] b: gave up waiting for init of module a.",
                    "[   31.712000] b: Unknown symbol s (err -16)",
                    "[   31.712000] a: request_module(b) returned 256"), moduleLoaderDmesg(kernel));
        }
    }

    @Test
    void modprobeOfAComingModuleItselfSucceedsWithoutWaiting() throws IOException {
        module("a").requests("a").printk("a: init ends").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(OK, kernel.modprobe("a"));

            assertEquals(List.of(
                    "[    0.000000] a: request_module(a) returned 0",
                    "[    0.000000] a: init ends"), kernel.dmesg());
        }
    }

    @Test
    void aModuleThatIsNotThereIsFatal() throws IOException {
        module("a").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(new Modprobe.Result(1, List.of("modprobe: FATAL: Module nosuch not found in directory " + dir)),
                    kernel.modprobe("nosuch"));
            assertEquals(List.of(), kernel.dmesg());
        }
    }

    @Test
    void aFailingDependencyStopsModprobeBeforeTheModule() throws IOException {
        module("a").exports("s").fails(-19).writeTo(dir);
        module("b").imports("a", "s").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            // one line, naming the module asked for (tools/modprobe.c insmod_insert)
            assertEquals(new Modprobe.Result(1, List.of("modprobe: ERROR: could not insert 'b': No such device")),
                    kernel.modprobe("b"));

            assertEquals(List.of(), kernel.dmesg(), "b was never inserted");
            assertEquals(NOT_LOADED, kernel.state("b"));
        }
    }

    @Test
    void modulesInSubdirectoriesAreIndexed() throws IOException {
        module("a").exports("s").writeTo(dir.resolve("kernel/drivers"));
        module("b").imports("a", "s").writeTo(dir.resolve("extra"));

        try (Kernel kernel = boot(dir)) {
            assertEquals(OK, kernel.modprobe("b"));
            assertEquals(LIVE, kernel.state("a"));
        }
    }

    @Test
    void corruptAndForeignJarsAreReportedByDepmodAndHarmNoOtherModule() throws IOException {
        byte[] random = new byte[4096];
        new Random(42).nextBytes(random);
        Files.write(dir.resolve("x.jar"), random);
        module("foreign").manifest("Module-Name", null).writeTo(dir);
        module("a").exports("s").printk("a: init").writeTo(dir);
        module("b").imports("a", "s").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            List<String> warnings = kernel.depmod().warnings();

            assertEquals(2, warnings.size(), warnings::toString);
            assertEquals("depmod: WARNING: foreign.jar: no Module-Name in the manifest: skipped", warnings.get(0));
            assertTrue(warnings.get(1).startsWith("depmod: WARNING: x.jar: "), warnings::toString);
            assertTrue(warnings.get(1).endsWith(": skipped"), warnings::toString);
            assertEquals(java.util.Set.of("a", "b"), kernel.depmod().names());

            assertEquals(OK, kernel.modprobe("b"));
            assertEquals(List.of("a: init", "b: init"), texts(kernel));
            assertEquals(new Modprobe.Result(1, List.of("modprobe: FATAL: Module foreign not found in directory " + dir)),
                    kernel.modprobe("foreign"));
            assertEquals(new Modprobe.Result(1, List.of("modprobe: FATAL: Module x not found in directory " + dir)),
                    kernel.modprobe("x"));
        }
    }

    @Test
    void aSecondJarOfTheSameModuleIsSkippedWithAWarning() throws IOException {
        module("a").printk("a: first").writeTo(dir, "a.jar");
        module("a").printk("a: second").writeTo(dir, "b.jar");

        try (Kernel kernel = boot(dir)) {
            assertEquals(List.of("depmod: WARNING: b.jar: module a is also a.jar: skipped"), kernel.depmod().warnings());
            assertEquals(OK, kernel.modprobe("a"));
            assertEquals(List.of("a: first"), texts(kernel));
        }
    }

    @Test
    void modprobeOfAModuleStillComingElsewhereDoesNotInsertItAgain() throws IOException {
        // a sleeps in init; meanwhile b's init (requested nowait) runs modprobe a again
        module("a").requestsNowait("b").msleep(5000).printk("a: init done").writeTo(dir);
        module("b").msleep(10).requests("a").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(OK, kernel.modprobe("a"));
            kernel.awaitIdle();

            assertEquals(List.of(
                    "[    0.000000] a: request_module_nowait(b) returned 0",
                    "[    0.020000] b: request_module(a) returned 0",
                    "[    5.088000] a: init done"), kernel.dmesg());
            assertEquals(LIVE, kernel.state("a"));
            assertEquals(LIVE, kernel.state("b"));
        }
    }
}
