package dev.kmodharness;

import static org.junit.jupiter.api.Assertions.fail;

import dev.kmodharness.junit.PluginBuilder;
import dev.kmodharness.lockdep.DeadlockReport;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.module.ModuleState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/** Small helpers the scenario tests share: booting, reading dmesg, kernel time. */
final class Scenarios {

    static final long SECOND = 1_000_000_000L;
    static final Optional<ModuleState> LIVE = Optional.of(ModuleState.LIVE);
    static final Optional<ModuleState> COMING = Optional.of(ModuleState.COMING);
    static final Optional<ModuleState> NOT_LOADED = Optional.empty();

    private Scenarios() {
    }

    /**
     * A GPL module: most scenarios want a clean dmesg, and a module with no license taints the
     * kernel (two lines) on load.
     */
    static PluginBuilder module(String name) {
        return PluginBuilder.plugin(name).license("GPL");
    }

    /** A kernel on {@code dir} with the default configuration: virtual clock, 30 s symbol timeout. */
    static Kernel boot(Path dir, String... builtins) throws IOException {
        return Kernel.builder().modules(dir).builtin(builtins).build();
    }

    /** Awaitility for what happens on kernel threads: polls at once and often, gives up after 5 s. */
    static ConditionFactory eventually() {
        return Awaitility.await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(2));
    }

    /** dmesg without the timestamps. */
    static List<String> texts(Kernel kernel) {
        return kernel.dmesgRecords().stream().map(Dmesg.Record::text).toList();
    }

    /**
     * dmesg as {@link Kernel#dmesg()} prints it, less the lockdep reports of the wait-for graph
     * ({@link Kernel#deadlocks()}): what the kernel's module loader itself printed. For
     * scenarios with a wait cycle, such as a module whose init requests a module that needs it.
     */
    static List<String> moduleLoaderDmesg(Kernel kernel) {
        List<Dmesg.Record> records = new ArrayList<>(kernel.dmesgRecords());
        for (DeadlockReport report : kernel.deadlocks()) {
            List<String> lines = List.of(report.text().split("\n", -1));
            int at = indexOfRun(records, lines);
            if (at < 0) {
                fail("lockdep report not found in dmesg:\n" + report.text() + "\n" + kernel.dmesg());
            }
            records.subList(at, at + lines.size()).clear();
        }
        return records.stream().map(Dmesg.Record::toString).toList();
    }

    private static int indexOfRun(List<Dmesg.Record> records, List<String> lines) {
        outer:
        for (int i = 0; i + lines.size() <= records.size(); i++) {
            for (int j = 0; j < lines.size(); j++) {
                if (!records.get(i + j).text().equals(lines.get(j))) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The kernel time of the first dmesg line whose text is {@code text}; fails when there is none. */
    static long stampOf(Kernel kernel, String text) {
        return kernel.dmesgRecords().stream().filter(r -> r.text().equals(text)).findFirst()
                .map(Dmesg.Record::nanos)
                .orElseGet(() -> fail("no dmesg line '" + text + "' in " + kernel.dmesg()));
    }
}
