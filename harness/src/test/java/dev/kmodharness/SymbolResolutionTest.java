package dev.kmodharness;

import static dev.kmodharness.Scenarios.LIVE;
import static dev.kmodharness.Scenarios.NOT_LOADED;
import static dev.kmodharness.Scenarios.boot;
import static dev.kmodharness.Scenarios.module;
import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.module.ModuleInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * resolve_symbol: finding the exporter, the GPL check, ref_module; and complete_formation's
 * duplicate-export check.
 */
@Timeout(10)
class SymbolResolutionTest {

    @TempDir
    Path dir;

    // ---- symbols nobody exports ----

    @Test
    void symbolNobodyExportsIsUnknownAtOnceWithEnoent() throws IOException {
        module("b").imports("nosuch", "x").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            Modprobe.Result result = kernel.modprobe("b");

            assertEquals(new Modprobe.Result(1, List.of("modprobe: ERROR: could not insert 'b': "
                    + "Unknown symbol in module, or unknown parameter (see dmesg)")), result);
            assertEquals(List.of("[    0.000000] b: Unknown symbol x (err -2)"), kernel.dmesg());
            assertEquals(NOT_LOADED, kernel.state("b"));
            assertEquals(0, kernel.now());
        }
    }

    @Test
    void insmodOfAModuleWithAnUnknownSymbolReturnsEnoent() throws IOException {
        Path b = module("b").imports("nosuch", "x", "y").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(-2, kernel.insmod(b));
            assertEquals(List.of(
                    "[    0.000000] b: Unknown symbol x (err -2)",
                    "[    0.000000] b: Unknown symbol y (err -2)"), kernel.dmesg());
        }
    }

    @Test
    void aSymbolTheExporterDoesNotHaveIsUnknownEvenWhenItsModuleIsLive() throws IOException {
        module("a").exports("s").writeTo(dir);
        module("b").imports("a", "t").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(dir.resolve("a.jar")));
            assertEquals(-2, kernel.insmod(dir.resolve("b.jar")));
            assertEquals(List.of("[    0.000000] b: Unknown symbol t (err -2)"), kernel.dmesg());
            assertEquals(0, kernel.module("a").orElseThrow().refcnt());
        }
    }

    // ---- linking and references ----

    @Test
    void importerOfALiveModuleLinksAndTakesOneReferenceHowEverManySymbolsItUses() throws IOException {
        module("a").exports("s1", "s2").writeTo(dir);
        module("b").imports("a", "s1", "s2").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(dir.resolve("a.jar")));
            assertEquals(0, kernel.insmod(dir.resolve("b.jar")));

            assertEquals(List.of("[    0.000000] b: init"), kernel.dmesg());
            ModuleInfo a = kernel.module("a").orElseThrow();
            assertEquals(1, a.refcnt());
            assertEquals(List.of("b"), a.holders());
            ModuleInfo b = kernel.module("b").orElseThrow();
            assertEquals(0, b.refcnt());
            assertEquals(List.of("a"), b.uses());
            assertEquals(List.of(), b.holders());
        }
    }

    @Test
    void aFailedLoadDropsTheReferencesItTook() throws IOException {
        module("a").exports("s").writeTo(dir);
        module("b").imports("a", "s").imports("nosuch", "x").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(dir.resolve("a.jar")));
            assertEquals(-2, kernel.insmod(dir.resolve("b.jar")));

            ModuleInfo a = kernel.module("a").orElseThrow();
            assertEquals(0, a.refcnt());
            assertEquals(List.of(), a.holders());
        }
    }

    @Test
    void everyUserHoldsItsOwnReferenceNewestHolderFirst() throws IOException {
        module("a").exports("s").writeTo(dir);
        module("b").imports("a", "s").writeTo(dir);
        module("c").imports("a", "s").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.modprobe("b").status());
            assertEquals(0, kernel.modprobe("c").status());

            ModuleInfo a = kernel.module("a").orElseThrow();
            assertEquals(2, a.refcnt());
            assertEquals(List.of("c", "b"), a.holders());
        }
    }

    // ---- GPL-only exports and the license taint ----

    @Test
    void proprietaryModuleDoesNotFindAGplOnlySymbolAndTaintsTheKernel() throws IOException {
        module("a").exportsGpl("g").writeTo(dir);
        plugin("b").license("Proprietary").imports("a", "g").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(dir.resolve("a.jar")));
            assertEquals(-2, kernel.insmod(dir.resolve("b.jar")));

            assertEquals(List.of(
                    "[    0.000000] b: module license 'Proprietary' taints kernel.",
                    "[    0.000000] Disabling lock debugging due to kernel taint",
                    "[    0.000000] b: Unknown symbol g (err -2)"), kernel.dmesg());
            assertEquals(NOT_LOADED, kernel.state("b"));
            assertEquals(0, kernel.module("a").orElseThrow().refcnt());
        }
    }

    @Test
    void proprietaryImporterOfAGplOnlySymbolDoesNotWaitForItsComingOwner() throws IOException {
        // the symbol is not found at all for a non-GPL module, so there is nothing to wait for
        module("a").exportsGpl("g").requests("b").writeTo(dir);
        plugin("b").license("Proprietary").imports("a", "g").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("a");

            assertEquals(List.of(
                    "[    0.000000] b: module license 'Proprietary' taints kernel.",
                    "[    0.000000] Disabling lock debugging due to kernel taint",
                    "[    0.000000] b: Unknown symbol g (err -2)",
                    "[    0.000000] a: request_module(b) returned 256"), kernel.dmesg());
        }
    }

    @Test
    void onlyTheFirstTaintingModuleOfABootPrintsTheTaintLines() throws IOException {
        module("a").exportsGpl("g").writeTo(dir);
        plugin("b").license("Proprietary").imports("a", "g").writeTo(dir);
        plugin("c").license("Proprietary").imports("a", "g").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.insmod(dir.resolve("a.jar"));
            assertEquals(-2, kernel.insmod(dir.resolve("b.jar")));
            assertEquals(-2, kernel.insmod(dir.resolve("c.jar")));

            assertEquals(List.of(
                    "b: module license 'Proprietary' taints kernel.",
                    "Disabling lock debugging due to kernel taint",
                    "b: Unknown symbol g (err -2)",
                    "c: Unknown symbol g (err -2)"), Scenarios.texts(kernel));
        }
    }

    @Test
    void aModuleWithNoLicenseIsUnspecifiedAndIsNotGplCompatible() throws IOException {
        module("a").exportsGpl("g").writeTo(dir);
        plugin("b").imports("a", "g").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.insmod(dir.resolve("a.jar"));
            assertEquals(-2, kernel.insmod(dir.resolve("b.jar")));

            assertEquals(List.of(
                    "b: module license 'unspecified' taints kernel.",
                    "Disabling lock debugging due to kernel taint",
                    "b: Unknown symbol g (err -2)"), Scenarios.texts(kernel));
        }
    }

    @Test
    void gplCompatibleModulesLinkAgainstGplOnlySymbolsWithoutTaint() throws IOException {
        module("a").exportsGpl("g").writeTo(dir);
        module("b").imports("a", "g").printk("b: init").writeTo(dir);
        plugin("c").license("Dual BSD/GPL").imports("a", "g").printk("c: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.modprobe("b").status());
            assertEquals(0, kernel.modprobe("c").status());

            assertEquals(List.of("[    0.000000] b: init", "[    0.000000] c: init"), kernel.dmesg());
            assertEquals(LIVE, kernel.state("b"));
            assertEquals(LIVE, kernel.state("c"));
            assertTrue(kernel.procModules().lines().noneMatch(l -> l.endsWith("(P)")), kernel.procModules());
        }
    }

    @Test
    void proprietaryModuleMayUseAPlainExportButStillTaints() throws IOException {
        module("a").exports("s").writeTo(dir);
        plugin("b").license("Proprietary").imports("a", "s").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.modprobe("b").status());

            assertEquals(List.of(
                    "b: module license 'Proprietary' taints kernel.",
                    "Disabling lock debugging due to kernel taint",
                    "b: init"), Scenarios.texts(kernel));
            assertEquals(LIVE, kernel.state("b"));
            assertEquals(List.of("b"), kernel.module("a").orElseThrow().holders());
            assertTrue(kernel.module("b").orElseThrow().proprietary());
        }
    }

    // ---- duplicate exports ----

    @Test
    void secondExporterOfASymbolIsRefusedWithEnoexec() throws IOException {
        module("a").exports("s").writeTo(dir);
        module("b").exports("s").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(dir.resolve("a.jar")));
            assertEquals(-8, kernel.insmod(dir.resolve("b.jar")));

            assertEquals(List.of("[    0.000000] b: exports duplicate symbol s (owned by a)"), kernel.dmesg());
            assertEquals(NOT_LOADED, kernel.state("b"));
            assertEquals(LIVE, kernel.state("a"));
        }
    }

    @Test
    void modprobeReportsADuplicateExportAsExecFormatError() throws IOException {
        module("a").exports("s").writeTo(dir);
        module("b").exports("s").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.modprobe("a").status());
            Modprobe.Result result = kernel.modprobe("b");

            assertEquals(new Modprobe.Result(1, List.of("modprobe: ERROR: could not insert 'b': Exec format error")),
                    result);
            assertEquals(List.of("[    0.000000] b: exports duplicate symbol s (owned by a)"), kernel.dmesg());
        }
    }

    @Test
    void duplicateOfABuiltinSymbolIsOwnedByTheKernel() throws IOException {
        module("a").exports("s").writeTo(dir);
        module("b").exports("s").writeTo(dir);

        try (Kernel kernel = boot(dir, "a")) {
            assertEquals(-8, kernel.insmod(dir.resolve("b.jar")));

            assertEquals(List.of("[    0.000000] b: exports duplicate symbol s (owned by kernel)"), kernel.dmesg());
        }
    }

    @Test
    void aComingModulesExportsAlreadyCountAsDuplicates() throws IOException {
        // b is loaded while a's init runs
        module("a").exports("s").requests("b").writeTo(dir);
        module("b").exports("s").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.modprobe("a").status());

            assertEquals(List.of(
                    "[    0.000000] b: exports duplicate symbol s (owned by a)",
                    "[    0.000000] a: request_module(b) returned 256"), kernel.dmesg());
            assertEquals(NOT_LOADED, kernel.state("b"));
        }
    }

    @Test
    void theExportsOfAModuleWhoseLoadFailedAreFreeAgain() throws IOException {
        module("a").exports("s").fails(-19).writeTo(dir);
        module("b").exports("s").printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(-19, kernel.insmod(dir.resolve("a.jar")));
            assertEquals(0, kernel.insmod(dir.resolve("b.jar")));
            assertEquals(List.of("[    0.000000] b: init"), kernel.dmesg());
        }
    }
}
