package dev.kmodharness;

import static dev.kmodharness.Scenarios.SECOND;
import static dev.kmodharness.Scenarios.boot;
import static dev.kmodharness.Scenarios.module;
import static dev.kmodharness.Scenarios.moduleLoaderDmesg;
import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.log.Dmesg;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The kernel's text outputs: dmesg's timestamps, lsmod's table, /proc/modules. */
@Timeout(10)
class DmesgLsmodTest {

    private static final Pattern DMESG_LINE = Pattern.compile("\\[[ \\d]{4}\\d\\.\\d{6}\\] .*");

    @TempDir
    Path dir;

    // ---- dmesg ----

    @Test
    void everyDmesgLineIsStampedLikeTheKernels() throws IOException {
        module("a").exports("s").requests("b").msleep(1234).printk("a: init done").writeTo(dir);
        module("b").imports("a", "s").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("a");

            for (String line : kernel.dmesg()) {
                assertTrue(DMESG_LINE.matcher(line).matches(), line);
            }
            List<String> dmesg = moduleLoaderDmesg(kernel);
            assertEquals(4, dmesg.size(), dmesg::toString);
            // 30 s of symbol wait rounds up to 31.712 s on the timer wheel; msleep(1234) is
            // 309 + 1 jiffies, level 1, rounded up to 312: 1.248 s.
            assertEquals("[   32.960000] a: init done", dmesg.get(3));
        }
    }

    @Test
    void recordsCarryTheExactKernelTimeInNanoseconds() throws IOException {
        module("a").printk("a: start").msleep(1).printk("a: 1 ms").msleep(1500).printk("a: 1.501 s").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("a");

            assertEquals(List.of(
                    new Dmesg.Record(0, "a: start"),
                    // msleep(1): 1 + 1 jiffies, and level 0 fires a jiffy after: 12 ms at HZ=250;
                    // msleep(1500): 375 + 1 jiffies, level 1, rounded up to 8: 1.524 s more.
                    new Dmesg.Record(12_000_000, "a: 1 ms"),
                    new Dmesg.Record(1_536_000_000, "a: 1.501 s")), kernel.dmesgRecords());
            assertEquals(List.of(
                    "[    0.000000] a: start",
                    "[    0.012000] a: 1 ms",
                    "[    1.536000] a: 1.501 s"), kernel.dmesg());
            assertEquals(1_536_000_000L, kernel.now());
        }
    }

    @Test
    void timestampFormatPadsSecondsToFiveAndMicrosecondsToSix() {
        assertEquals("[    0.000000] x", Dmesg.format(0, "x"));
        assertEquals("[    0.000001] x", Dmesg.format(1_000, "x"));
        assertEquals("[   12.345678] x", Dmesg.format(12_345_678_999L, "x"));
        assertEquals("[99999.999999] x", Dmesg.format(99_999_999_999_000L, "x"));
        assertEquals("[123456.000000] x", Dmesg.format(123_456 * SECOND, "x"));
    }

    @Test
    void aMultiLinePrintkIsOneRecordALine() throws IOException {
        module("a").printk("a: one\na: two\n").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("a");
            assertEquals(List.of("[    0.000000] a: one", "[    0.000000] a: two"), kernel.dmesg());
        }
    }

    // ---- lsmod ----

    @Test
    void lsmodHasTheHeaderAndARowPerModuleNewestFirst() throws IOException {
        Path aJar = module("a").exports("s").writeTo(dir);
        Path bJar = module("b").imports("a", "s").writeTo(dir);
        Path cJar = module("c").imports("a", "s").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("b");
            kernel.modprobe("c");

            assertEquals("Module                  Size  Used by\n"
                    + String.format("%-19s %8d  %d\n", "c", size(cJar), 0)
                    + String.format("%-19s %8d  %d\n", "b", size(bJar), 0)
                    + String.format("%-19s %8d  %d %s\n", "a", size(aJar), 2, "c,b"), kernel.lsmod());
        }
    }

    @Test
    void lsmodOfAnEmptyKernelIsTheHeaderAlone() throws IOException {
        module("a").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals("Module                  Size  Used by\n", kernel.lsmod());
            assertEquals("", kernel.procModules());
        }
    }

    @Test
    void sizeIsTheBytesOfTheModulesClassesAndResources() throws IOException {
        Path jar = module("a").exports("s1", "s2").resource("a/data.bin", new byte[1000]).writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("a");
            assertEquals(size(jar), kernel.module("a").orElseThrow().size());
            assertTrue(size(jar) > 1000);
        }
    }

    @Test
    void longModuleNamesPushTheColumnsRight() throws IOException {
        Path jar = module("a_module_with_a_long_name").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("a_module_with_a_long_name");
            assertEquals("Module                  Size  Used by\n"
                    + "a_module_with_a_long_name " + String.format("%8d", size(jar)) + "  0\n", kernel.lsmod());
        }
    }

    // ---- /proc/modules ----

    @Test
    void procModulesListsHoldersWithTrailingCommasOrADash() throws IOException {
        Path aJar = module("a").exports("s").exit().writeTo(dir);
        Path bJar = module("b").imports("a", "s").exit().writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("b");

            assertEquals("b " + size(bJar) + " 0 - Live 0x0000000000000000\n"
                    + "a " + size(aJar) + " 1 b, Live 0x0000000000000000\n", kernel.procModules());
        }
    }

    @Test
    void procModulesMarksAModuleWithInitButNoExitPermanent() throws IOException {
        Path aJar = module("a").exports("s").writeTo(dir);
        Path bJar = module("b").imports("a", "s").writeTo(dir);
        Path cJar = module("c").noInit().writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("b");
            kernel.modprobe("c");

            assertEquals("c " + size(cJar) + " 0 - Live 0x0000000000000000\n"
                    + "b " + size(bJar) + " 0 [permanent], Live 0x0000000000000000\n"
                    + "a " + size(aJar) + " 1 b,[permanent], Live 0x0000000000000000\n", kernel.procModules());
        }
    }

    @Test
    void procModulesFlagsAProprietaryModule() throws IOException {
        Path jar = plugin("p").license("Proprietary").exit().writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.modprobe("p");
            assertEquals("p " + size(jar) + " 0 - Live 0x0000000000000000 (P)\n", kernel.procModules());
        }
    }

    /** The Size column: the uncompressed bytes of every entry but the manifest. */
    private static long size(Path jar) throws IOException {
        long size = 0;
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : file.stream().toList()) {
                if (!entry.getName().equals(JarFile.MANIFEST_NAME)) {
                    size += file.getInputStream(entry).readAllBytes().length;
                }
            }
        }
        return size;
    }
}
