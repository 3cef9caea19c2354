package dev.kmodharness.scenarios;

import static dev.kmodharness.scenarios.Sets.SYMBOL_TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.cli.Main;
import dev.kmodharness.log.Dmesg;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, {@code Main.run}, on the real module sets. */
class CliTest {

    static final String LSMOD_HEADER = "Module                  Size  Used by";

    @TempDir
    Path tmp;

    /** What one run of the command line printed. */
    record Run(int status, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        List<String> errLines() {
            return err.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + status + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(status, out.toString(), err.toString());
    }

    /** The seed's eight dmesg lines as the virtual clock stamps them: pair n at n * 30 s. */
    static List<String> seedDmesgLines() {
        List<String> pairs = Sets.seedPairs();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            lines.add(Dmesg.format(Sets.FIRST_WAIT + (i / 2) * Sets.WHEEL_GAP, pairs.get(i)));
        }
        return lines;
    }

    static void assertNoStackTrace(Run run) {
        assertFalse(run.err().contains("\tat "), () -> "stack trace in err: " + run);
        assertFalse(run.err().contains("Exception"), () -> "exception in err: " + run);
        assertFalse(run.out().contains("\tat "), () -> "stack trace in out: " + run);
    }

    @Test
    void reproducePrintsTheSeedsPairsThenLsmod() {
        Run run = run("reproduce", "--modules", Sets.gvtRequest().toString());
        assertEquals(0, run.status(), run::toString);
        List<String> lines = run.outLines();
        // dmesg may hold other lines before them (reports, notices); the pairs end it
        int pairs = Collections.indexOfSubList(lines, seedDmesgLines());
        assertTrue(pairs >= 0, () -> "no seed pairs in out: " + run);
        int end = pairs + seedDmesgLines().size();
        assertEquals("", lines.get(end), run::toString);
        assertEquals(LSMOD_HEADER, lines.get(end + 1), run::toString);
        assertTrue(lines.get(end + 2).matches("i915 +\\d+  0"), run::toString);
        assertEquals(1, Collections.frequency(lines, LSMOD_HEADER), run::toString);
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("kvmgt ")), run::toString);
        assertEquals("", run.err(), run::toString);
    }

    @Test
    void modprobePrintsDmesgOneBlankLineThenLsmod() {
        Path dir = Sets.gvtOps();
        Run run = run("modprobe", "--modules", dir.toString(), "i915", "enable_gvt=1");
        assertEquals(0, run.status(), run::toString);
        assertEquals("", run.err(), run::toString);
        List<String> lines = run.outLines();
        int blank = lines.indexOf("");
        assertTrue(blank >= 0, run::toString);
        assertTrue(lines.subList(0, blank).stream().allMatch(l -> l.matches("\\[ *\\d+\\.\\d{6}\\] .*")),
                () -> "not dmesg before the blank line: " + run);
        List<String> lsmod = lines.subList(blank + 1, lines.size());
        assertEquals(2, lsmod.size(), run::toString);
        assertEquals(LSMOD_HEADER, lsmod.get(0));
        assertTrue(lsmod.get(1).matches("i915 +\\d+  0"), run::toString);
        assertTrue(run.out().endsWith("\n"), run::toString);
    }

    @Test
    void modprobeOfAnUnknownModuleFailsAsModprobeDoes() {
        Path dir = Sets.gvtOps();
        Run run = run("modprobe", "--modules", dir.toString(), "nosuch");
        assertEquals(1, run.status(), run::toString);
        assertTrue(run.errLines().contains("modprobe: FATAL: Module nosuch not found in directory " + dir),
                run::toString);
        assertNoStackTrace(run);
    }

    @Test
    void aMissingModulesDirectoryIsOneLineAndExitTwo() {
        Path missing = tmp.resolve("no-such-dir");
        for (String[] args : List.of(new String[] {"modprobe", "--modules", missing.toString(), "i915"},
                new String[] {"reproduce", "--modules", missing.toString()})) {
            Run run = run(args);
            assertEquals(2, run.status(), run::toString);
            assertEquals(1, run.errLines().size(), run::toString);
            assertTrue(run.err().contains(missing.toString()), run::toString);
            assertNoStackTrace(run);
        }
    }

    @Test
    void noArgumentsIsAUsageError() {
        Run run = run();
        assertEquals(2, run.status(), run::toString);
        assertNoStackTrace(run);
    }

    @Test
    void badJarsInTheModulesDirectoryAreWarnedAboutAndSkipped() throws IOException {
        Path dir = tmp.resolve("modules");
        Files.createDirectories(dir);
        for (String jar : List.of("i915.jar", "kvmgt.jar")) {
            Files.copy(Sets.gvtOps().resolve(jar), dir.resolve(jar));
        }
        byte[] junk = new byte[4096];
        new Random(20210928).nextBytes(junk);
        Files.write(dir.resolve("junk.jar"), junk);
        writeForeignJar(dir.resolve("foreign.jar"));

        Run run = run("modprobe", "--modules", dir.toString(), "i915", "enable_gvt=1");
        assertEquals(0, run.status(), run::toString);
        List<String> warnings = run.errLines().stream().filter(l -> l.startsWith("depmod: WARNING:")).toList();
        assertEquals(2, warnings.size(), run::toString);
        assertEquals(1, warnings.stream().filter(l -> l.contains("junk.jar")).count(), run::toString);
        assertEquals(1, warnings.stream().filter(l -> l.contains("foreign.jar")).count(), run::toString);
        assertEquals(warnings, run.errLines(), run::toString);
        assertNoStackTrace(run);
        assertTrue(run.outLines().stream().anyMatch(l -> l.matches("i915 +\\d+  0")), run::toString);
    }

    /** A valid JAR with a class in it but no Module-Name: an ordinary library, not a module. */
    static void writeForeignJar(Path path) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Implementation-Title", "not a kernel module");
        try (OutputStream file = Files.newOutputStream(path);
                JarOutputStream jar = new JarOutputStream(file, manifest)) {
            jar.putNextEntry(new JarEntry("org/example/Foreign.txt"));
            jar.write("hello".getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
    }
}
