package dev.kmodharness.cli;

import dev.kmodharness.Kernel;
import dev.kmodharness.time.ClockMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The boot options every command that boots a kernel shares. */
final class KernelOptions {

    @Option(names = "--builtin", paramLabel = "NAME",
            description = "A module built into the kernel image, inited at boot (repeatable, in order).")
    List<String> builtins = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "resolve_symbol_wait's timeout per symbol, in kernel seconds (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--clock", paramLabel = "virtual|real", defaultValue = "virtual",
            description = "virtual: kernel time jumps over waits, runs are exact and instant (default); "
                    + "real: scaled wall-clock time.")
    String clock;

    @Option(names = "--time-scale", paramLabel = "F", defaultValue = "0.008333333333333333",
            description = "With --clock real: real seconds per kernel second (default 1/120: the seed's 120 s in 1 s).")
    double timeScale;

    Kernel boot(Path modules) throws Exception {
        if (!(timeoutSeconds >= 0)) {
            throw new IllegalArgumentException("--timeout must be a number of seconds, not " + timeoutSeconds);
        }
        ClockMode mode = switch (clock) {
            case "virtual" -> ClockMode.VIRTUAL;
            case "real" -> ClockMode.REAL;
            default -> throw new IllegalArgumentException("--clock takes virtual or real, not '" + clock + "'");
        };
        if (!java.nio.file.Files.isDirectory(modules)) {
            throw new IllegalArgumentException("modules directory " + modules + ": No such file or directory");
        }
        return Kernel.builder()
                .modules(modules)
                .builtin(builtins.toArray(String[]::new))
                .clock(mode)
                .timeScale(timeScale)
                .symbolTimeout(Duration.ofNanos((long) (timeoutSeconds * 1e9)))
                .build();
    }
}
