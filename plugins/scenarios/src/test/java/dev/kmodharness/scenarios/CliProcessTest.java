package dev.kmodharness.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real shaded JAR, harness/target/kmod-harness.jar, run as its own process: {@code java -jar}. */
class CliProcessTest {

    @TempDir
    Path tmp;

    @Test
    void javaDashJarReproduceExitsZeroWithTheSeedsPairs() throws Exception {
        Path jar = Sets.cliJar();
        assertTrue(Files.isRegularFile(jar), () -> jar + " not built (harness's package phase builds it)");
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        Process process = new ProcessBuilder(java, "-jar", jar.toString(), "reproduce",
                "--modules", Sets.gvtRequest().toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        process.getOutputStream().close();
        // a guard against a hang, not a timing assertion: the run takes about a second
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("java -jar " + jar + " reproduce did not exit");
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        String report = "exit " + process.exitValue() + "\n--- out:\n" + stdout + "--- err:\n" + stderr;
        assertEquals(0, process.exitValue(), report);
        List<String> lines = stdout.lines().toList();
        int pairs = Collections.indexOfSubList(lines, CliTest.seedDmesgLines());
        assertTrue(pairs >= 0, () -> "no seed pairs in stdout: " + report);
        assertTrue(lines.indexOf(CliTest.LSMOD_HEADER) > pairs, report);
    }
}
