package dev.kmodharness.frameworks;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A plugin system's hang in a JVM of its own: its output (stdout and stderr merged, in the
 * order printed) collected line by line with the time each line arrived; destroyed, with
 * anything it started, on close.
 */
final class ChildJvm implements AutoCloseable {

    /** One line of output and System.nanoTime() when it arrived here. */
    record Line(String text, long arrived) {
    }

    private final Process process;
    private final Thread reader;
    /** Guarded by itself: appended by the reader thread, read by the test. */
    private final List<Line> lines = new ArrayList<>();

    private ChildJvm(Process process) {
        this.process = process;
        this.reader = new Thread(this::read, "child jvm output");
        reader.setDaemon(true);
        reader.start();
    }

    /** java {@code arguments}, with the java of this JVM. */
    static ChildJvm java(List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(arguments);
        try {
            return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every line so far. */
    List<Line> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    String output() {
        StringBuilder out = new StringBuilder();
        for (Line line : lines()) {
            out.append(line.text()).append('\n');
        }
        return out.toString();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for the first line containing {@code text}; returns its index. Fails with
     * everything the child printed if none comes within {@code atMost}.
     */
    int awaitLine(String text, Duration atMost) {
        try {
            return await().atMost(atMost).until(() -> indexOf(text), i -> i >= 0);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no '" + text + "' within " + atMost + "; the child printed:\n" + output(), e);
        }
    }

    private int indexOf(String text) {
        List<Line> now = lines();
        for (int i = 0; i < now.size(); i++) {
            if (now.get(i).text().contains(text)) {
                return i;
            }
        }
        return -1;
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            // Blocks for the child's next line; ends when the child's output closes.
            for (String text; (text = in.readLine()) != null; ) {
                Line line = new Line(text, System.nanoTime());
                synchronized (lines) {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            // Destroyed: its output is closed.
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        // Waits for the kill to take effect, then for the reader to see the end of output.
        process.waitFor(10, TimeUnit.SECONDS);
        reader.join(TimeUnit.SECONDS.toMillis(10));
    }
}
