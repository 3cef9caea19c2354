package dev.kmodharness.lockdep.jvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM on this test's class path, for cycles no thread can leave: its output (stdout
 * and stderr merged) collected line by line, the process destroyed on close.
 */
final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final Thread reader;
    /** Guarded by itself: appended by the reader thread, read by the test. */
    private final StringBuilder output = new StringBuilder();

    private ChildJvm(Process process) {
        this.process = process;
        this.reader = new Thread(this::read, "child jvm output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code main} with {@code args} in a JVM like this one. */
    static ChildJvm start(Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        try {
            return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything the child printed so far. */
    String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            // Blocks for the child's next line; ends when the child's output closes.
            for (String line; (line = in.readLine()) != null; ) {
                synchronized (output) {
                    output.append(line).append('\n');
                }
            }
        } catch (IOException e) {
            // The process was destroyed: its output is closed.
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        // Waits for the kill to take effect, then for the reader to see the end of output.
        process.waitFor(10, TimeUnit.SECONDS);
        reader.join(TimeUnit.SECONDS.toMillis(10));
    }
}
