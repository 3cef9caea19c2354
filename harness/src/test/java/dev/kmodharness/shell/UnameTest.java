package dev.kmodharness.shell;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kmodharness.Kernel;
import dev.kmodharness.release.Release;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code uname} and {@code uname -r} in the run shell: the kernel release the rules follow. */
class UnameTest {

    @TempDir
    Path dir;

    @Test
    void unameRPrintsTheReleaseTheKernelFollows() throws Exception {
        plugin("a").license("GPL").writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            ShellRun.Result r = ShellRun.run(kernel, dir, "uname", "uname -r");
            assertEquals(0, r.status(), r.err());
            assertEquals("Linux\n5.15.0\n", r.out(), "the seed's release is the default");
        }
        try (Kernel kernel = Kernel.builder().modules(dir).release(Release.V6_12).build()) {
            assertEquals("6.12.0\n", ShellRun.run(kernel, dir, "uname -r").out());
        }
    }

    @Test
    void unameTakesOnlyR() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            ShellRun.Result r = ShellRun.run(kernel, dir, "uname -a");
            assertEquals(2, r.status());
            assertEquals("", r.out());
        }
    }
}
