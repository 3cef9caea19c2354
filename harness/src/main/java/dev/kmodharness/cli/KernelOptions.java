package dev.kmodharness.cli;

import dev.kmodharness.Kernel;
import dev.kmodharness.lockdep.DeadlockPolicy;
import dev.kmodharness.release.Release;
import dev.kmodharness.time.ClockMode;
import java.io.PrintWriter;
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

    @Option(names = "--deadlock", paramLabel = "report|fail-fast", defaultValue = "report",
            description = "When a wait closes a cycle: report it and wait on as the kernel does (default), "
                    + "or fail that wait at once with -EDEADLK (-35).")
    String deadlock;

    @Option(names = "--gate", paramLabel = "on|off", defaultValue = "on",
            description = "The COMING gate: on, the kernel's rule (default); off, COMING modules' symbols "
                    + "and classes pass as in a plain JVM plugin system.")
    String gate;

    @Option(names = "--async-probe",
            description = "The kernel parameter module.async_probe=1: no module's init waits for async work.")
    boolean asyncProbe;

    @Option(names = "--initcall-debug",
            description = "The kernel parameter initcall_debug: dmesg shows each init's start and its duration.")
    boolean initcallDebug;

    @Option(names = "--kernel", paramLabel = "5.15|6.12", defaultValue = "5.15",
            description = "The kernel release (with the kmod of its time) whose rules apply where they changed: "
                    + "5.15, the seed's (default), or 6.12, the current LTS with today's kmod.")
    String kernel;

    @Option(names = "--hz", paramLabel = "100|250|300|1000", defaultValue = "250",
            description = "CONFIG_HZ: timeouts count in jiffies and fire through the timer wheel (default: ${DEFAULT-VALUE}).")
    int hz;

    @Option(names = "--hung-task-timeout", paramLabel = "SECONDS", defaultValue = "4",
            description = "kernel.hung_task_timeout_secs, in real seconds: a task blocked this long in module code "
                    + "outside the harness is reported and the command ends, exit 1 (default: ${DEFAULT-VALUE}; 0: off).")
    double hungTaskTimeout;

    @Option(names = "--watchdog-thresh", paramLabel = "SECONDS", defaultValue = "2",
            description = "kernel.watchdog_thresh, in real seconds: a task spinning in module code for twice this "
                    + "is a soft lockup, reported, and the command ends, exit 1 (default: ${DEFAULT-VALUE}; 0: off).")
    double watchdogThresh;

    @Option(names = "--console",
            description = "The kernel's console: print each dmesg line on standard error as it is logged.")
    boolean console;

    Kernel boot(Path modules) throws Exception {
        return boot(modules, null);
    }

    /** Boots; with {@code --console}, each printk line also goes to {@code consoleOut} as it is logged. */
    Kernel boot(Path modules, PrintWriter consoleOut) throws Exception {
        Kernel.Builder builder = configure(Kernel.builder());
        try {
            dev.kmodharness.kmod.Depmod.checkDirectory(modules);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (console && consoleOut != null) {
            builder.console(line -> {
                consoleOut.println(line);
                consoleOut.flush();
            });
        }
        return builder.modules(modules).build();
    }

    /** For explore: every run boots with a schedule, which needs the virtual clock. */
    void checkScheduled(Path modules) {
        configure(Kernel.builder());
        if (!clock.equals("virtual")) {
            throw new IllegalArgumentException("explore needs --clock virtual: a schedule owns the time");
        }
        try {
            dev.kmodharness.kmod.Depmod.checkDirectory(modules);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** These options on {@code builder}. */
    Kernel.Builder configure(Kernel.Builder builder) {
        DeadlockPolicy policy = switch (deadlock) {
            case "report" -> DeadlockPolicy.REPORT;
            case "fail-fast" -> DeadlockPolicy.FAIL_FAST;
            default -> throw new IllegalArgumentException("--deadlock takes report or fail-fast, not '" + deadlock + "'");
        };
        boolean gateOn = switch (gate) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("--gate takes on or off, not '" + gate + "'");
        };
        if (!(timeoutSeconds >= 0)) {
            throw new IllegalArgumentException("--timeout must be a number of seconds, not " + timeoutSeconds);
        }
        ClockMode mode = switch (clock) {
            case "virtual" -> ClockMode.VIRTUAL;
            case "real" -> ClockMode.REAL;
            default -> throw new IllegalArgumentException("--clock takes virtual or real, not '" + clock + "'");
        };
        if (!(hungTaskTimeout >= 0) || !(watchdogThresh >= 0)) {
            throw new IllegalArgumentException("--hung-task-timeout and --watchdog-thresh take seconds, 0 or more");
        }
        return builder
                .builtin(builtins.toArray(String[]::new))
                .clock(mode)
                .timeScale(timeScale)
                .symbolTimeout(Duration.ofNanos((long) (timeoutSeconds * 1e9)))
                .deadlockPolicy(policy)
                .gate(gateOn)
                .asyncProbe(asyncProbe)
                .initcallDebug(initcallDebug)
                .release(Release.of(kernel))
                .hz(hz)
                .hungTaskTimeout(Duration.ofNanos((long) (hungTaskTimeout * 1e9)))
                .softLockup(Duration.ofNanos((long) (2 * watchdogThresh * 1e9)));
    }
}
