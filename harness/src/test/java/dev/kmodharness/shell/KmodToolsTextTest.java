package dev.kmodharness.shell;

import static dev.kmodharness.junit.InitSteps.asyncSchedules;
import static dev.kmodharness.junit.InitSteps.requestsModule;
import static dev.kmodharness.junit.InitSteps.schedulesWork;
import static dev.kmodharness.junit.InitSteps.throwsNew;
import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.junit.ClassFiles;
import dev.kmodharness.junit.InitStep;
import dev.kmodharness.junit.InitSteps;
import dev.kmodharness.junit.PluginBuilder;
import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.release.Release;
import java.nio.file.Path;
import java.util.List;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The audit of what the harness prints for the kmod tools and the module flags (issue 10, point
 * 8), on each release: the lines and the number of lines of kmod 29's and today's
 * tools/modprobe.c, tools/rmmod.c and libkmod for the error paths the harness models, which
 * module each line names, the exit status; module_flags() in /proc/modules (m_show) and in
 * print_modules, with its {@code [last unloaded: ...]}.
 */
@Timeout(30)
class KmodToolsTextTest {

    @TempDir
    Path dir;

    /** A module whose exit sleeps {@code ms} in kernel time: it stays GOING that long. */
    private static PluginBuilder slowExit(String name, long ms) {
        InitStep sleep = (cls, owner, code) -> {
            code.visitLdcInsn(ms);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "dev/kmodharness/api/Kmod", "msleep", "(J)V", false);
        };
        return plugin(name).exitDoes(sleep);
    }

    private static Kernel boot(Path dir, Release release) throws java.io.IOException {
        return Kernel.builder().modules(dir).release(release).build();
    }

    /**
     * kmod_module_probe_insert_module returns the error of the dependency that failed, and
     * modprobe's insmod_insert prints one line naming the module asked for.
     */
    @ParameterizedTest
    @EnumSource(Release.class)
    void aDependencyThatFailsIsOneLineNamingTheModuleAskedFor(Release release) throws Exception {
        plugin("a").license("GPL").exports("a_sym").fails(19).writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_sym").writeTo(dir);
        try (Kernel kernel = boot(dir, release)) {
            assertEquals(new Modprobe.Result(1, List.of("modprobe: ERROR: could not insert 'b': No such device")),
                    kernel.modprobe("b"));

            ShellRun.Result r = ShellRun.run(kernel, dir, "modprobe b");
            assertEquals(1, r.status());
            assertEquals("modprobe: ERROR: could not insert 'b': No such device\n", r.err());
            assertTrue(kernel.module("b").isEmpty());
        }
    }

    /** insmod_insert's own words for -ENOENT, naming the module asked for too. */
    @ParameterizedTest
    @EnumSource(Release.class)
    void aDependencyWithAnUnknownSymbolIsModprobesOwnWordsForTheModuleAskedFor(Release release) throws Exception {
        plugin("a").license("GPL").imports("ghost", "ghost_sym").exports("a_sym").writeTo(dir);
        plugin("ghost").license("GPL").writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_sym").writeTo(dir);
        try (Kernel kernel = boot(dir, release)) {
            assertEquals(new Modprobe.Result(1, List.of("modprobe: ERROR: could not insert 'b': "
                    + "Unknown symbol in module, or unknown parameter (see dmesg)")), kernel.modprobe("b"));
        }
    }

    /**
     * rmmod of a module the kernel refuses (an init without an exit: -EBUSY): libkmod's
     * kmod_module_remove_module logs "could not remove 'NAME'", then rmmod "could not remove
     * module ARG", ARG as given; modprobe -r prints libkmod's line only.
     */
    @ParameterizedTest
    @EnumSource(Release.class)
    void aRemovalTheKernelRefusesIsLibkmodsLineThenRmmods(Release release) throws Exception {
        plugin("no_exit").license("GPL").writeTo(dir);
        try (Kernel kernel = boot(dir, release)) {
            ShellRun.Result r = ShellRun.run(kernel, dir, "modprobe no_exit", "rmmod no-exit", "rmmod no_exit.jar",
                    "modprobe -r no_exit");

            assertEquals(1, r.status());
            assertEquals(List.of(
                    "rmmod: ERROR: could not remove 'no_exit': Device or resource busy",
                    "rmmod: ERROR: could not remove module no-exit: Device or resource busy",
                    "rmmod: ERROR: could not remove 'no_exit': Device or resource busy",
                    "rmmod: ERROR: could not remove module no_exit.jar: Device or resource busy",
                    "modprobe: ERROR: could not remove 'no_exit': Device or resource busy"), r.errLines());
        }
    }

    /**
     * A module unloading reads refcnt -1. rmmod's check_module_inuse says "in use" only above 0
     * and fails the name without a word; modprobe -r goes on to delete_module, which refuses a
     * module that is not LIVE with -EBUSY, in libkmod's words. /proc/modules: Unloading, -1.
     */
    @ParameterizedTest
    @EnumSource(Release.class)
    void aModuleUnloadingIsASilentRmmodFailureAndABusyModprobeRemove(Release release) throws Exception {
        slowExit("slow", 5_000).license("GPL").writeTo(dir);
        try (Kernel kernel = boot(dir, release)) {
            ShellRun.Result r = ShellRun.run(kernel, dir,
                    "modprobe slow",
                    "rmmod slow &",
                    "sleep 1",
                    "cat /sys/module/slow/initstate /sys/module/slow/refcnt",
                    "rmmod slow",
                    "modprobe -r slow",
                    "wait",
                    "lsmod");

            assertEquals(1, r.status());
            assertEquals("modprobe: ERROR: could not remove 'slow': Device or resource busy\n", r.err());
            assertEquals("going\n-1\nModule                  Size  Used by\n", r.out());
            assertTrue(kernel.module("slow").isEmpty(), "the first rmmod unloaded it");
        }
    }

    /**
     * m_show prints module_flags() only for a tainted module: (P+) while a proprietary module
     * loads, (P) LIVE, (P-) while it unloads; an untainted module loading gets none. Newest
     * first.
     */
    @ParameterizedTest
    @EnumSource(Release.class)
    void procModulesShowsTheTaintAndThePlusOrMinusOfATaintedModuleOnly(Release release) throws Exception {
        slowExit("prop", 2_000).license("Proprietary").msleep(2_000).writeTo(dir);
        plugin("free").license("GPL").msleep(2_000).exit().writeTo(dir);
        try (Kernel kernel = boot(dir, release)) {
            ShellRun.Result r = ShellRun.run(kernel, dir,
                    "modprobe prop &",
                    "sleep 0.5",
                    "modprobe free &",
                    "sleep 0.5",
                    "cat /proc/modules",
                    "wait",
                    "cat /proc/modules",
                    "rmmod prop &",
                    "sleep 1",
                    "cat /proc/modules",
                    "wait");

            assertEquals(0, r.status(), r.err());
            long prop = sizeOf(dir, "prop");
            long free = sizeOf(dir, "free");
            String loading = "free " + free + " 1 - Loading 0x0000000000000000\n"
                    + "prop " + prop + " 1 - Loading 0x0000000000000000 (P+)\n";
            String live = "free " + free + " 0 - Live 0x0000000000000000\n"
                    + "prop " + prop + " 0 - Live 0x0000000000000000 (P)\n";
            String unloading = "free " + free + " 0 - Live 0x0000000000000000\n"
                    + "prop " + prop + " -1 - Unloading 0x0000000000000000 (P-)\n";
            assertEquals(loading + live + unloading, r.out());
        }
    }

    /** lsmod's Size: the module image's size, as the kernel reports it. */
    private static long sizeOf(Path dir, String module) throws Exception {
        return dev.kmodharness.symbols.ModuleImage.read(dir.resolve(module + ".jar")).size();
    }

    /**
     * print_modules, in an oops: each module with module_flags(mod, buf, true), an inherited
     * taint included; then the last module unloaded: its name on 5.15, its name and
     * module_flags(mod, buf, false) since 6f1dae1d84b6 (v6.0).
     */
    @ParameterizedTest
    @EnumSource(Release.class)
    void printModulesFlagsEachModuleAndNamesTheLastUnloaded(Release release) throws Exception {
        plugin("gone").license("Proprietary").exit().writeTo(dir);
        plugin("p").license("Proprietary").exports("p_sym").writeTo(dir);
        oopsingUser(plugin("user").license("GPL").imports("p", "p_sym"));
        assertEquals("Modules linked in: user(P+) p(P) [last unloaded: "
                + (release == Release.V5_15 ? "gone" : "gone(P)") + "]", modulesLinkedIn(release));
    }

    /** Writes {@code user}, whose init schedules work that oopses, then msleeps while it does. */
    private void oopsingUser(PluginBuilder user) {
        user.resource(ClassFiles.entryName("kmodtest.user.Probe"),
                        InitSteps.runnableClass("kmodtest.user.Probe", throwsNew(IllegalStateException.class, "x")))
                .does(schedulesWork("kmodtest.user.Probe")).msleep(1000).writeTo(dir);
    }

    /** The oops's "Modules linked in:" line after gone is loaded and unloaded and user loaded. */
    private String modulesLinkedIn(Release release) throws Exception {
        try (Kernel kernel = boot(dir, release)) {
            assertEquals(0, kernel.modprobe("gone").status());
            assertEquals(0, kernel.rmmod("gone"));
            assertEquals(0, kernel.modprobe("user").status());
            assertTrue(kernel.awaitIdle());
            return kernel.dmesgRecords().stream().map(Dmesg.Record::text)
                    .filter(l -> l.startsWith("Modules linked in:")).findFirst().orElseThrow();
        }
    }

    /** An untainted module unloaded has no flags to keep: {@code [last unloaded: NAME]} on both. */
    @ParameterizedTest
    @EnumSource(Release.class)
    void theLastUnloadedUntaintedModuleIsItsNameAlone(Release release) throws Exception {
        plugin("gone").license("GPL").exit().writeTo(dir);
        oopsingUser(plugin("user").license("GPL"));
        assertEquals("Modules linked in: user(+) [last unloaded: gone]", modulesLinkedIn(release));
    }

    /**
     * print_tainted() has a column per taint_flags[] entry of the release: 18 on 5.15, 19 since
     * TAINT_TEST (v6.0). The oops taints D.
     */
    @ParameterizedTest
    @EnumSource(Release.class)
    void printTaintedHasAColumnPerFlagOfTheRelease(Release release) throws Exception {
        plugin("user").license("GPL")
                .resource(ClassFiles.entryName("kmodtest.user.Probe"),
                        InitSteps.runnableClass("kmodtest.user.Probe", throwsNew(IllegalStateException.class, "x")))
                .does(schedulesWork("kmodtest.user.Probe")).msleep(1000).writeTo(dir);
        try (Kernel kernel = boot(dir, release)) {
            assertEquals(0, kernel.modprobe("user").status());
            assertTrue(kernel.awaitIdle());

            // the oops's own CPU line reads the mask before oops_end taints D
            assertTrue(kernel.dmesgRecords().stream().map(Dmesg.Record::text)
                    .anyMatch(("CPU: 0 PID: 3 Comm: kworker user Not tainted " + release.uname() + " #1")::equals), kernel.dmesg()::toString);
            String columns = "G" + " ".repeat(6) + "D" + " ".repeat(release == Release.V5_15 ? 10 : 11);
            assertEquals("Tainted: " + columns, kernel.tainted());
        }
    }

    /**
     * The WARN in __request_module: its task line is dump_stack's, with print_tainted() as it
     * was (P, from the proprietary module), and __warn then taints W; print_modules flags the
     * module (P), and + while its init has not returned, b (loaded before) plain.
     */
    @ParameterizedTest
    @EnumSource(Release.class)
    void theWarnPrintsTheTaintAsItWasAndTaintsW(Release release) throws Exception {
        plugin("a").license("Proprietary")
                .resource(ClassFiles.entryName("kmodtest.a.Probe"),
                        InitSteps.runnableClass("kmodtest.a.Probe", requestsModule("b")))
                .does(asyncSchedules("kmodtest.a.Probe")).writeTo(dir);
        plugin("b").license("GPL").writeTo(dir);
        try (Kernel kernel = boot(dir, release)) {
            // b loaded first: on 6.12 a new b's init would wait for a's async work, which waits
            // for it (the seed's hang); the WARN comes before modprobe looks
            assertEquals(0, kernel.modprobe("b").status());
            assertEquals(0, kernel.modprobe("a").status());
            assertTrue(kernel.awaitIdle());

            List<String> texts = kernel.dmesgRecords().stream().map(Dmesg.Record::text).toList();
            int cut = texts.indexOf("------------[ cut here ]------------");
            assertTrue(cut >= 0, texts::toString);
            assertTrue(texts.get(cut + 2).matches("Modules linked in: a\\(P\\+?\\) b"), texts.get(cut + 2));
            int flags = release == Release.V5_15 ? 18 : 19;
            assertEquals("CPU: 0 PID: 4 Comm: async a Tainted: P" + " ".repeat(flags - 1) + " " + release.uname() + " #1",
                    texts.get(cut + 3));
            assertEquals("Tainted: P" + " ".repeat(8) + "W" + " ".repeat(flags - 10), kernel.tainted());
        }
    }

    /**
     * modprobe -r of the top of a chain c -> b -> a: kmod 29 removes b and, recursing, a; today's
     * kmod makes one pass over c's list in load order, so a, still used by b when its turn
     * comes, stays.
     */
    @ParameterizedTest
    @EnumSource(Release.class)
    void modprobeRemoveTakesTheUnusedDependenciesAsTheReleasesKmodDoes(Release release) throws Exception {
        plugin("a").license("GPL").exports("a_sym").exit().writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_sym").exports("b_sym").exit().writeTo(dir);
        plugin("c").license("GPL").imports("b", "b_sym").exit().writeTo(dir);
        try (Kernel kernel = boot(dir, release)) {
            ShellRun.Result r = ShellRun.run(kernel, dir, "modprobe c", "modprobe -r c", "lsmod");

            assertEquals(0, r.status(), r.err());
            assertEquals("", r.err());
            assertEquals(release == Release.V5_15 ? List.of() : List.of("a"),
                    kernel.modules().stream().map(m -> m.name()).toList());
        }
    }

    /**
     * A dependency left unused that the kernel refuses to unload (an init and no exit): libkmod's
     * line, and modprobe -r still exits 0 ("errors are non-fatal").
     */
    @ParameterizedTest
    @EnumSource(Release.class)
    void aDependencyTheKernelKeepsIsLibkmodsLineAndModprobeRemoveSucceeds(Release release) throws Exception {
        plugin("n").license("GPL").exports("n_sym").writeTo(dir);
        plugin("c").license("GPL").imports("n", "n_sym").exit().writeTo(dir);
        try (Kernel kernel = boot(dir, release)) {
            ShellRun.Result r = ShellRun.run(kernel, dir, "modprobe c", "modprobe -r c");

            assertEquals(0, r.status());
            assertEquals("modprobe: ERROR: could not remove 'n': Device or resource busy\n", r.err());
            assertEquals(List.of("n"), kernel.modules().stream().map(m -> m.name()).toList());
        }
    }
}
