package dev.kmodharness.shell;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.api.Kmod;
import dev.kmodharness.module.ModuleInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each command of the shell, with the real tools' output and error texts (kmod's tools/insmod.c,
 * tools/rmmod.c, tools/lsmod.c; modprobe's lines come from the harness's Modprobe; cat's from
 * GNU cat), and the exit statuses 0 and 1.
 */
class ShellCommandsTest {

    private static final String HEADER = "Module                  Size  Used by\n";

    @TempDir
    Path dir;

    @BeforeEach
    void modules() {
        plugin("a").license("GPL").exportsGpl("a_sym").exit().writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_sym").exit().writeTo(dir);
        plugin("c").license("GPL").imports("a", "a_sym").exit().writeTo(dir);
        plugin("hello").license("GPL").printk("hello: hi").exit().writeTo(dir);
        plugin("p").license("GPL").params("greeting").printsParam("greeting").exit().writeTo(dir);
        plugin("no_exit").license("GPL").writeTo(dir);
    }

    private static String row(Kernel kernel, String name, String usedBy) {
        ModuleInfo info = kernel.module(name).orElseThrow();
        return String.format("%-19s %8d  %d%s%n", name, info.size(), info.refcnt(), usedBy.isEmpty() ? "" : " " + usedBy);
    }

    @Test
    void modprobeLoadsTheDependenciesAndLsmodPrintsTheTable() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            ShellRun.Result r = ShellRun.run(kernel, dir, "modprobe b", "lsmod");

            assertEquals(0, r.status(), r.err());
            assertEquals("", r.err());
            assertEquals(HEADER + row(kernel, "b", "") + row(kernel, "a", "b"), r.out());
            assertEquals(1, kernel.module("a").orElseThrow().refcnt());
        }
    }

    @Test
    void catProcModulesPrintsTheKernelsFile() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            ShellRun.Result r = ShellRun.run(kernel, dir, "modprobe b", "cat /proc/modules");

            assertEquals(0, r.status(), r.err());
            long sizeB = kernel.module("b").orElseThrow().size();
            long sizeA = kernel.module("a").orElseThrow().size();
            assertEquals("b " + sizeB + " 0 - Live 0x0000000000000000\n"
                    + "a " + sizeA + " 1 b, Live 0x0000000000000000\n", r.out());
        }
    }

    @Test
    void dmesgPrintsTheRingBufferAndModprobePassesParameters() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            ShellRun.Result r = ShellRun.run(kernel, dir, "modprobe hello", "modprobe p greeting=hi", "dmesg");

            assertEquals(0, r.status(), r.err());
            assertEquals("[    0.000000] hello: hi\n[    0.000000] p: greeting=hi\n", r.out());
        }
    }

    @Test
    void modprobeOfAMissingModuleIsFatal() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            ShellRun.Result r = ShellRun.run(kernel, dir, "modprobe nosuch");

            assertEquals(1, r.status());
            assertEquals("", r.out());
            assertEquals("modprobe: FATAL: Module nosuch not found in directory " + dir + "\n", r.err());
        }
    }

    @Test
    void modprobeRemoveTakesTheUnusedDependenciesAndDoesNothingForAModuleNotLoaded() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            // kmod's rmmod_do_module: a known module not in the kernel is nothing to do, silently,
            // unless --first-time; a name the index does not know is "not found"
            ShellRun.Result r = ShellRun.run(kernel, dir, "modprobe b", "modprobe -r b", "lsmod", "modprobe -r b");

            assertEquals(0, r.status(), r.err());
            assertEquals(HEADER, r.out());
            assertEquals("", r.err());

            r = ShellRun.run(kernel, dir, "modprobe -r nosuch");
            assertEquals(1, r.status());
            assertEquals("modprobe: FATAL: Module nosuch not found.\n", r.err());
        }
    }

    @Test
    void insmodTakesPathsRelativeToTheWorkingDirectoryOrAbsoluteWithParameters() throws Exception {
        Path files = dir.resolve("files");
        plugin("a").license("GPL").exportsGpl("a_sym").exit().writeTo(files);
        Path b = plugin("b").license("GPL").imports("a", "a_sym").exit().writeTo(files);
        plugin("p").license("GPL").params("greeting").printsParam("greeting").exit().writeTo(files);
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            ShellRun.Result r = ShellRun.run(kernel, files,
                    "insmod a.jar", "insmod " + b.toAbsolutePath(), "insmod ./p.jar greeting=hello", "lsmod", "dmesg");

            assertEquals(0, r.status(), r.err());
            assertEquals(HEADER + row(kernel, "p", "") + row(kernel, "b", "") + row(kernel, "a", "b")
                    + "[    0.000000] p: greeting=hello\n", r.out());
        }
    }

    @Test
    void insmodErrorsUseInsmodsOwnWords() throws Exception {
        Path files = dir.resolve("files");
        plugin("a").license("GPL").exportsGpl("a_sym").exit().writeTo(files);
        plugin("ghostly").license("GPL").imports("ghost", "ghost_sym").writeTo(files);
        plugin("einval").license("GPL").fails(22).writeTo(files);
        plugin("busy").license("GPL").fails(16).writeTo(files);
        Files.write(files.resolve("garbage.jar"), "not a jar".getBytes());
        Files.createDirectories(files.resolve("sub"));
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            ShellRun.Result r = ShellRun.run(kernel, files,
                    "insmod nosuch.jar",
                    "insmod garbage.jar",
                    "insmod ghostly.jar",
                    "insmod a.jar",
                    "insmod a.jar",
                    "insmod einval.jar",
                    "insmod busy.jar",
                    "insmod sub");

            assertEquals(1, r.status());
            assertEquals("", r.out());
            assertEquals(List.of(
                    "insmod: ERROR: could not load module nosuch.jar: No such file or directory",
                    "insmod: ERROR: could not insert module garbage.jar: Invalid module format",
                    "insmod: ERROR: could not insert module ghostly.jar: Unknown symbol in module",
                    "insmod: ERROR: could not insert module a.jar: File exists",
                    "insmod: ERROR: could not insert module einval.jar: Invalid parameters",
                    "insmod: ERROR: could not insert module busy.jar: Device or resource busy",
                    "insmod: ERROR: could not insert module sub: Is a directory"), r.errLines());
            assertTrue(kernel.module("a").isPresent());
        }
    }

    @Test
    void rmmodChecksWhatTheRealRmmodChecksBeforeDeleteModule() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            ShellRun.Result r = ShellRun.run(kernel, dir,
                    "rmmod nosuch",
                    "rmmod my-mod",
                    "modprobe b",
                    "modprobe c",
                    "rmmod a",
                    "modprobe no-exit",
                    "rmmod no_exit",
                    "rmmod no-exit",
                    "rmmod no_exit.jar",
                    "rmmod c b",
                    "lsmod");

            assertEquals(1, r.status());
            assertEquals(List.of(
                    "rmmod: ERROR: Module nosuch is not currently loaded",
                    "rmmod: ERROR: Module my_mod is not currently loaded",
                    "rmmod: ERROR: Module a is in use by: c b",
                    // libkmod's line, then rmmod's, for each
                    "rmmod: ERROR: could not remove 'no_exit': Device or resource busy",
                    "rmmod: ERROR: could not remove module no_exit: Device or resource busy",
                    "rmmod: ERROR: could not remove 'no_exit': Device or resource busy",
                    "rmmod: ERROR: could not remove module no-exit: Device or resource busy",
                    "rmmod: ERROR: could not remove 'no_exit': Device or resource busy",
                    "rmmod: ERROR: could not remove module no_exit.jar: Device or resource busy"), r.errLines());
            assertEquals(HEADER + row(kernel, "no_exit", "") + row(kernel, "a", ""), r.out());
            assertEquals(List.of("c: exit", "b: exit"), kernel.dmesgRecords().stream()
                    .map(rec -> rec.text()).filter(t -> t.endsWith(": exit")).toList());
        }
    }

    @Test
    void rmmodOfAModuleWithReferencesButNoHoldersIsInUse() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            assertEquals(0, ShellRun.run(kernel, dir, "modprobe a").status());
            Kmod.Host host = ((Kmod.HostLoader) kernel.classLoader("a").orElseThrow()).kmodHost();
            assertTrue(host.tryModuleGet("a"));

            ShellRun.Result r = ShellRun.run(kernel, dir, "rmmod a", "cat /sys/module/a/refcnt");
            host.modulePut("a");

            assertEquals(1, r.status());
            assertEquals("rmmod: ERROR: Module a is in use\n", r.err());
            assertEquals("1\n", r.out());
            assertEquals(0, ShellRun.run(kernel, dir, "rmmod a").status());
        }
    }

    @Test
    void builtinModulesCannotBeRemovedAndHaveNoInitstateOrRefcnt() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).builtin("a").build()) {
            ShellRun.Result r = ShellRun.run(kernel, dir,
                    "rmmod a", "cat /sys/module/a/initstate", "cat /sys/module/a/refcnt", "modprobe b", "lsmod");

            assertEquals(1, r.status());
            assertEquals(List.of(
                    "rmmod: ERROR: Module a is builtin.",
                    "cat: /sys/module/a/initstate: No such file or directory",
                    "cat: /sys/module/a/refcnt: No such file or directory"), r.errLines());
            assertEquals(HEADER + row(kernel, "b", ""), r.out());
        }
    }

    @Test
    void catSysModuleReadsInitstateAndRefcntOfLoadedModulesOnly() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            ShellRun.Result r = ShellRun.run(kernel, dir,
                    "modprobe b",
                    "cat /sys/module/a/initstate",
                    "cat /sys/module/a/refcnt",
                    "cat /sys/module/b/refcnt",
                    "rmmod b",
                    "cat /sys/module/a/refcnt",
                    "cat /sys/module/b/initstate",
                    "cat /sys/module/a/initstate /sys/module/b/refcnt /sys/module/a/refcnt");

            assertEquals(1, r.status());
            assertEquals("live\n1\n0\n0\nlive\n0\n", r.out());
            assertEquals(List.of(
                    "cat: /sys/module/b/initstate: No such file or directory",
                    "cat: /sys/module/b/refcnt: No such file or directory"), r.errLines());
        }
    }

    @Test
    void exitStatusIsZeroWhenEveryLineSucceededAndOneWhenAnyFailedWithTheRestStillRun() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            ShellRun.Result ok = ShellRun.run(kernel, dir, "modprobe b", "rmmod b", "rmmod a", "lsmod", "sleep 1");
            assertEquals(0, ok.status(), ok.err());
            assertEquals("", ok.err());

            ShellRun.Result failed = ShellRun.run(kernel, dir, "modprobe a", "rmmod nosuch", "modprobe b", "lsmod");
            assertEquals(1, failed.status());
            assertEquals("rmmod: ERROR: Module nosuch is not currently loaded\n", failed.err());
            assertTrue(kernel.module("b").isPresent(), "the lines after the failure ran");
            assertEquals(HEADER + row(kernel, "b", "") + row(kernel, "a", "b"), failed.out());
        }
    }

    @Test
    void commentsAndBlankLinesAreSkippedAndAHashInsideAWordIsKept() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            ShellRun.Result r = ShellRun.run(kernel, dir,
                    "#!/bin/sh",
                    "# load p",
                    "",
                    "   \t ",
                    "modprobe p greeting=x#y   # a comment after the command",
                    "\tdmesg\t# the ring buffer");

            assertEquals(0, r.status(), r.err());
            assertEquals("[    0.000000] p: greeting=x#y\n", r.out());
        }
    }
}
