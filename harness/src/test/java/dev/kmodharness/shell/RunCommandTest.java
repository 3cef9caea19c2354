package dev.kmodharness.shell;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.cli.CliRun;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kmod-harness run --modules DIR [kernel options] SCRIPT}, through Main as the command line runs it. */
class RunCommandTest {

    @TempDir
    Path dir;

    private Path modules;

    @BeforeEach
    void modules() {
        modules = dir.resolve("modules");
        plugin("a").license("GPL").exportsGpl("a_sym").printk("a: up").exit().writeTo(modules);
        plugin("b").license("GPL").imports("a", "a_sym").exit().writeTo(modules);
    }

    private Path script(String... lines) throws Exception {
        return Files.write(dir.resolve("script.sh"), List.of(lines));
    }

    @Test
    void runsAScriptFileOnAFreshKernel() throws Exception {
        Path script = script("# load b and what it needs", "modprobe b", "cat /sys/module/a/refcnt", "sleep 30",
                "insmod " + modules.resolve("a.jar"), "rmmod b", "rmmod a", "dmesg", "lsmod");

        CliRun r = CliRun.run("run", "--modules", modules.toString(), script.toString());

        assertEquals(1, r.status());
        assertEquals("insmod: ERROR: could not insert module " + modules.resolve("a.jar") + ": File exists\n", r.err());
        assertEquals("1\n"
                + "[    0.000000] a: up\n"
                + "[   30.000000] b: exit\n"
                + "[   30.000000] a: exit\n"
                + "Module                  Size  Used by\n", r.out());
    }

    @Test
    void aScriptWhoseLinesAllSucceedExitsZero() throws Exception {
        CliRun r = CliRun.run("run", "--modules", modules.toString(), script("modprobe b &", "wait", "modprobe -r b", "lsmod")
                .toString());

        assertEquals(0, r.status(), r.err());
        assertEquals("", r.err());
        assertEquals("Module                  Size  Used by\n", r.out());
    }

    @Test
    void aMalformedScriptExitsTwoWithOneLineAndRunsNothing() throws Exception {
        CliRun r = CliRun.run("run", "--modules", modules.toString(), script("modprobe a", "dmesg", "foo", "lsmod").toString());

        assertEquals(2, r.status());
        assertEquals("kmod-harness: script line 3: unknown command 'foo'\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void dashReadsTheScriptFromStandardInput() {
        InputStream stdin = System.in;
        CliRun r;
        try {
            System.setIn(new ByteArrayInputStream("modprobe b\ncat /sys/module/b/initstate\nrmmod a\n"
                    .getBytes(StandardCharsets.UTF_8)));
            r = CliRun.run("run", "--modules", modules.toString(), "-");
        } finally {
            System.setIn(stdin);
        }

        assertEquals(1, r.status());
        assertEquals("live\n", r.out());
        assertEquals("rmmod: ERROR: Module a is in use by: b\n", r.err());
    }

    @Test
    void kernelOptionsApply() throws Exception {
        Path script = script("rmmod a", "cat /sys/module/a/initstate", "modprobe b", "lsmod");

        CliRun r = CliRun.run("run", "--modules", modules.toString(), "--builtin", "a", script.toString());

        assertEquals(1, r.status());
        assertEquals("rmmod: ERROR: Module a is builtin.\ncat: /sys/module/a/initstate: No such file or directory\n",
                r.err());
        assertTrue(r.out().startsWith("Module                  Size  Used by\nb "), r.out());
        assertEquals(2, r.out().lines().count(), r.out());
    }

    @Test
    void aMissingScriptIsAUsageError() {
        CliRun r = CliRun.run("run", "--modules", modules.toString(), dir.resolve("nosuch.sh").toString());

        assertEquals(2, r.status());
        assertEquals("kmod-harness: " + dir.resolve("nosuch.sh") + ": No such file or directory\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void helpListsTheRunCommand() {
        CliRun r = CliRun.run("--help");

        assertEquals(0, r.status());
        assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith("run ")), r.out());
        CliRun run = CliRun.run("run", "--help");
        assertTrue(run.out().contains("SCRIPT"), run.out());
    }
}
