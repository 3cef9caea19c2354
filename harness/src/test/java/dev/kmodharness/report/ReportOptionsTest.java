package dev.kmodharness.report;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code --report}, {@code --trace} and {@code --plot} on modprobe, run and reproduce, through Main. */
@Timeout(30)
class ReportOptionsTest {

    private static final List<String> SEED_SYMBOLS = List.of("i915_gem_object_set_to_cpu_domain", "intel_ring_begin",
            "i915_vma_move_to_active", "shmem_unpin_map");

    @TempDir
    Path dir;

    /** The seed in small, named as the seed names it: i915 requests kvmgt, kvmgt needs four i915 symbols. */
    private Path seedSet() {
        Path modules = dir.resolve("modules");
        plugin("i915").license("GPL").params("enable_gvt").exportsGpl(SEED_SYMBOLS.toArray(String[]::new))
                .requests("kvmgt").writeTo(modules);
        plugin("kvmgt").license("GPL").imports("i915", SEED_SYMBOLS.toArray(String[]::new)).writeTo(modules);
        return modules;
    }

    @Test
    void modprobePrintsEachReportUnderItsHeadingAfterLsmodAndWritesTheFiles() throws Exception {
        Path trace = dir.resolve("t.json");
        Path plot = dir.resolve("p.svg");

        CliRun r = CliRun.run("modprobe", "--modules", seedSet().toString(), "--report", "blame", "--report", "chain",
                "--report", "initcalls", "--trace", trace.toString(), "--plot", plot.toString(), "i915");

        assertEquals(0, r.status(), r.err());
        String out = r.out();
        int lsmod = out.indexOf("Module                  Size  Used by\n");
        int blame = out.indexOf("\n\n== blame ==\n   123.872s i915   real ");
        int chain = out.indexOf("\n\n== critical chain ==\nThe time when");
        int initcalls = out.indexOf("\n\n== initcalls ==\n[    0.000000] calling  Init.<clinit> [i915] @ ");
        assertTrue(lsmod >= 0 && lsmod < blame && blame < chain && chain < initcalls, out);
        assertTrue(out.contains("\ni915 @0.000s +123.872s\n└─request_module(kvmgt) @0.000s +123.872s returned 256\n"
                + "  └─kvmgt @0.000s +123.872s err -16\n"), out);
        assertTrue(out.endsWith("[  123.872000] initcall Init.<clinit> [i915] returned 0 after 123872000 usecs\n"), out);

        String json = Files.readString(trace);
        SeedReportsTest.assertBalanced(json);
        MiniJson.parse(json);
        assertTrue(json.contains("\"name\":\"wait i915_gem_object_set_to_cpu_domain (i915 COMING)\""), json);
        SeedReportsTest.parse(Files.readString(plot));
    }

    @Test
    void reproducePrintsTheReportsToo() {
        CliRun r = CliRun.run("reproduce", "--modules", seedSet().toString(), "--report", "chain");

        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\n== critical chain ==\n"), r.out());
        assertTrue(r.out().contains("└─wait shmem_unpin_map (i915 COMING) @93.152s +30.720s timed out, err -16; "
                + "i915 is above: cycle\n"), r.out());
        assertTrue(r.out().endsWith("\nReproduced: kvmgt waited 4 times for i915's init and failed with -EBUSY (-16); "
                + "i915 went LIVE without kvmgt.\n"), r.out());
    }

    @Test
    void runPrintsTheReportsAfterTheScriptAndKeepsItsStatus() throws Exception {
        Path script = Files.write(dir.resolve("script.sh"), List.of("modprobe i915 enable_gvt=1", "lsmod"));

        CliRun r = CliRun.run("run", "--modules", seedSet().toString(), "--report", "blame", script.toString());

        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Module                  Size  Used by\ni915 "), r.out());
        assertTrue(r.out().contains("\n\n== blame ==\n   123.872s i915   real "), r.out());
        assertTrue(r.out().endsWith("  waited 123.872s  err -16, init did not run\n"), r.out());
    }

    @Test
    void anUnwritableFileIsOneLineAndExitTwo() {
        Path missing = dir.resolve("no such dir").resolve("t.json");

        CliRun r = CliRun.run("modprobe", "--modules", seedSet().toString(), "--trace", missing.toString(), "i915");

        assertEquals(2, r.status());
        assertEquals("kmod-harness: --trace " + missing + ": No such file or directory\n", r.err());
    }

    @Test
    void aDirectoryIsNotAPlotFile() {
        CliRun r = CliRun.run("modprobe", "--modules", seedSet().toString(), "--plot", dir.toString(), "i915");

        assertEquals(2, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("kmod-harness: --plot " + dir + ": "), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void anUnknownReportIsAUsageErrorAndNothingRuns() {
        CliRun r = CliRun.run("modprobe", "--modules", seedSet().toString(), "--report", "plot", "i915");

        assertEquals(2, r.status());
        assertEquals("", r.out());
        assertEquals("kmod-harness: Invalid value for option '--report' (blame|chain|initcalls): "
                + "'plot' is not blame, chain or initcalls (see: kmod-harness modprobe --help)\n", r.err());
    }
}
