package dev.kmodharness;

import static dev.kmodharness.Scenarios.LIVE;
import static dev.kmodharness.Scenarios.boot;
import static dev.kmodharness.Scenarios.module;
import static dev.kmodharness.Scenarios.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.module.ModuleInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Modules built into the kernel image: inited at boot, never in lsmod, never waited for. */
@Timeout(10)
class BuiltinTest {

    @TempDir
    Path dir;

    @Test
    void builtinsAreInitedAtBootInTheOrderGiven() throws IOException {
        module("x").printk("x: init").writeTo(dir);
        module("y").printk("y: init").writeTo(dir);
        module("z").printk("z: init").writeTo(dir);

        try (Kernel kernel = boot(dir, "z", "x", "y")) {
            assertEquals(List.of(
                    "[    0.000000] z: init",
                    "[    0.000000] x: init",
                    "[    0.000000] y: init"), kernel.dmesg());
        }
    }

    @Test
    void builtinsAreLiveButNotInLsmodOrProcModules() throws IOException {
        module("x").exports("s").writeTo(dir);

        try (Kernel kernel = boot(dir, "x")) {
            assertEquals(LIVE, kernel.state("x"));
            assertEquals(Optional.empty(), kernel.initstate("x"), "a built-in has no /sys/module/x/initstate");
            ModuleInfo x = kernel.module("x").orElseThrow();
            assertTrue(x.builtin());
            assertEquals("Module                  Size  Used by\n", kernel.lsmod());
            assertEquals("", kernel.procModules());
            assertEquals(List.of(), kernel.modules());
        }
    }

    @Test
    void importerOfABuiltinSymbolLinksAtOnceWithoutTakingAReference() throws IOException {
        module("x").exports("s").writeTo(dir);
        module("b").imports("x", "s").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir, "x")) {
            assertEquals(new Modprobe.Result(0, List.of()), kernel.modprobe("b"));

            assertEquals(List.of("[    0.000000] b: init"), kernel.dmesg());
            assertEquals(0, kernel.now());
            assertEquals(List.of(), kernel.module("x").orElseThrow().holders());
            assertEquals(List.of(), kernel.module("b").orElseThrow().uses());
        }
    }

    @Test
    void aGplOnlySymbolOfABuiltinIsNotFoundByAProprietaryModule() throws IOException {
        module("x").exportsGpl("g").writeTo(dir);
        dev.kmodharness.junit.PluginBuilder.plugin("p").license("Proprietary").imports("x", "g").writeTo(dir);

        try (Kernel kernel = boot(dir, "x")) {
            assertEquals(-2, kernel.insmod(dir.resolve("p.jar")));
            assertEquals(List.of(
                    "p: module license 'Proprietary' taints kernel.",
                    "Disabling lock debugging due to kernel taint",
                    "p: Unknown symbol g (err -2)"), texts(kernel));
        }
    }

    @Test
    void builtinsLinkToEachOtherWhateverTheirInitOrder() throws IOException {
        // y needs x's symbol but is inited first: a NULL owner never blocks
        module("x").exports("s").printk("x: init").writeTo(dir);
        module("y").imports("x", "s").printk("y: init").writeTo(dir);

        try (Kernel kernel = boot(dir, "y", "x")) {
            assertEquals(List.of("y: init", "x: init"), texts(kernel));
            assertEquals(0, kernel.now());
        }
    }

    @Test
    void classOfABuiltinIsVisibleAtOnce() throws IOException {
        module("x").exports("s").writeTo(dir);
        module("b").loadsClassOf("x").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir, "x")) {
            assertEquals(0, kernel.insmod(dir.resolve("b.jar")));
            assertEquals(List.of("[    0.000000] b: init"), kernel.dmesg());
        }
    }

    @Test
    void modprobeOfABuiltinSucceedsWithoutRunningItsInitAgain() throws IOException {
        module("x").printk("x: init").writeTo(dir);

        try (Kernel kernel = boot(dir, "x")) {
            assertEquals(new Modprobe.Result(0, List.of()), kernel.modprobe("x"));
            assertEquals(0, kernel.requestModule("x"));

            assertEquals(List.of("x: init"), texts(kernel));
        }
    }

    @Test
    void insmodOfABuiltinIsEexist() throws IOException {
        Path x = module("x").printk("x: init").writeTo(dir);

        try (Kernel kernel = boot(dir, "x")) {
            assertEquals(-17, kernel.insmod(x));
            assertEquals(List.of("x: init"), texts(kernel));
        }
    }

    @Test
    void aBuiltinWhoseInitFailsStaysBuiltIn() throws IOException {
        module("x").exports("s").fails(-19).writeTo(dir);
        module("b").imports("x", "s").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir, "x")) {
            assertEquals(List.of(), kernel.dmesg(), "a failed initcall is silent without initcall_debug");
            assertEquals(LIVE, kernel.state("x"));
            assertEquals(0, kernel.modprobe("b").status());
            assertEquals(-19, kernel.timings().get(0).result());
        }
        try (Kernel kernel = Kernel.builder().modules(dir).builtin("x").initcallDebug(true).build()) {
            assertEquals(List.of("[    0.000000] calling  Init.<clinit> [x] @ 1",
                    "[    0.000000] initcall Init.<clinit> [x] returned -19 after 0 usecs"), kernel.dmesg());
        }
    }

    @Test
    void aBuiltinThatIsNotInTheDirectoryStopsTheBoot() throws IOException {
        module("x").writeTo(dir);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> boot(dir, "nosuch"));
        assertEquals("built-in module nosuch not found in directory " + dir, e.getMessage());
    }

    @Test
    void aBuiltinNeedingAModulesSymbolStopsTheBoot() throws IOException {
        module("a").exports("s").writeTo(dir);
        module("x").imports("a", "s").writeTo(dir);

        assertThrows(IllegalArgumentException.class, () -> boot(dir, "x"));
    }
}
