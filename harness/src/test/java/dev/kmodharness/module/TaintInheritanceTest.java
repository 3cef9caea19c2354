package dev.kmodharness.module;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.release.Release;
import java.time.Duration;
import java.util.Optional;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * resolve_symbol's inherit_taint: a module using a proprietary module's symbols is tainted
 * proprietary too (the (P) of /proc/modules), with the kernel's warning; one that uses GPL-only
 * symbols may not also use a proprietary module's symbols: err -2. The messages name the symbol
 * since v5.19.
 */
class TaintInheritanceTest {

    @TempDir
    Path dir;

    @BeforeEach
    void modules() throws Exception {
        plugin("p").license("Proprietary").exports("p_sym").writeTo(dir);
        plugin("q").license("GPL").exportsGpl("q_gpl").writeTo(dir);
        plugin("g").license("GPL").imports("p", "p_sym").writeTo(dir);
        plugin("h").license("GPL").imports("q", "q_gpl").imports("p", "p_sym").writeTo(dir);
    }

    @Test
    void aGplModuleUsingAProprietaryModulesSymbolsInheritsItsTaint() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).release(Release.V6_12).build()) {
            assertEquals(0, kernel.modprobe("g").status());

            assertEquals(List.of("[    0.000000] p: module license 'Proprietary' taints kernel.",
                    "[    0.000000] Disabling lock debugging due to kernel taint",
                    "[    0.000000] g: module uses symbols p_sym from proprietary module p, inheriting taint."),
                    kernel.dmesg());
            assertTrue(kernel.module("g").orElseThrow().proprietary());
            assertTrue(kernel.procModules().lines().anyMatch(l -> l.startsWith("g ") && l.endsWith(" (P)")),
                    kernel.procModules());
        }
    }

    /**
     * /proc/modules prints module_flags() for a tainted module: its taint letters and + while
     * it loads. (The caller is a task, so virtual time stands still in the init's msleep.)
     */
    @RepeatedTest(20)
    void aProprietaryModuleStillLoadingIsFlaggedPPlus() throws Exception {
        plugin("slowp").license("Proprietary").msleep(1000).writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            String whileLoading = kernel.task(() -> {
                kernel.exec("modprobe slowp", () -> kernel.modprobe("slowp"));
                await().atMost(Duration.ofSeconds(10)).until(() -> kernel.initstate("slowp").equals(Optional.of("coming")));
                return kernel.procModules();
            });
            assertTrue(whileLoading.matches("slowp \\d+ 1 \\[permanent\\], Loading 0x0000000000000000 \\(P\\+\\)\n"), whileLoading);
            assertTrue(kernel.awaitIdle());
            assertTrue(kernel.procModules().matches("slowp \\d+ 0 \\[permanent\\], Live 0x0000000000000000 \\(P\\)\n"),
                    kernel.procModules());
        }
    }

    @Test
    void on515TheWarningNamesNoSymbol() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).release(Release.V5_15).build()) {
            assertEquals(0, kernel.modprobe("g").status());
            assertEquals("[    0.000000] g: module uses symbols from proprietary module p, inheriting taint.",
                    kernel.dmesg().get(2));
        }
    }

    @Test
    void aModuleUsingGplOnlySymbolsMayNotUseAProprietaryModulesSymbols() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).release(Release.V6_12).build()) {
            var result = kernel.modprobe("h");

            assertEquals(1, result.status());
            assertEquals(List.of("modprobe: ERROR: could not insert 'h': Unknown symbol in module, or unknown "
                    + "parameter (see dmesg)"), result.errors());
            assertEquals(List.of("[    0.000000] p: module license 'Proprietary' taints kernel.",
                    "[    0.000000] Disabling lock debugging due to kernel taint",
                    "[    0.000000] h: module using GPL-only symbols uses symbols p_sym from proprietary module p.",
                    "[    0.000000] h: Unknown symbol p_sym (err -2)"), kernel.dmesg());
            assertTrue(kernel.state("h").isEmpty());
        }
    }
}
