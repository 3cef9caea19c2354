package dev.kmodharness.cli;

import dev.kmodharness.generate.Generator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code generate --shape chain|wide|dag --modules N [...] DIR}: writes a synthetic module set,
 * real plugin JARs, into DIR.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Write a synthetic module set (real plugin JARs) into DIR: a chain, a wide set or a random DAG. "
                + "Load it with 'bench load', or with 'modprobe --modules DIR top' when made with --top.")
final class GenerateCommand implements Callable<Integer> {

    /** The files a generated set consists of, which --force replaces. */
    private static final Pattern GENERATED = Pattern.compile("m[0-9]{4,}\\.jar|top\\.jar");

    @Spec
    CommandSpec spec;

    @Mixin
    SetOptions set;

    @Option(names = "--force", description = "Write into a non-empty DIR; the JARs of a set generated there before "
            + "(mNNNN.jar, top.jar) are removed first, other files left alone.")
    boolean force;

    @Parameters(index = "0", paramLabel = "DIR", description = "Where to write the set (created).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (set.shape == null) {
            throw new IllegalArgumentException("--shape chain|wide|dag is required");
        }
        if (set.modules == null) {
            throw new IllegalArgumentException("--modules N is required");
        }
        Generator generator = set.generator(set.shape, set.modules);
        prepare(dir, force);
        Generator.Summary summary = generator.write(dir);
        out.println(summary.describe());
        if (set.top) {
            out.println("load it all: kmod-harness modprobe --modules " + dir + " " + Generator.TOP);
        }
        return 0;
    }

    /** Refuses a non-empty directory unless forced; forced, removes a previous set's JARs. */
    static void prepare(Path dir, boolean force) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": not a directory");
        }
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> present;
        try (Stream<Path> files = Files.list(dir)) {
            present = files.toList();
        }
        if (present.isEmpty()) {
            return;
        }
        if (!force) {
            throw new IllegalArgumentException(dir + ": directory not empty (use --force to write into it)");
        }
        for (Path file : present) {
            if (GENERATED.matcher(file.getFileName().toString()).matches() && Files.isRegularFile(file)) {
                Files.delete(file);
            }
        }
    }
}
