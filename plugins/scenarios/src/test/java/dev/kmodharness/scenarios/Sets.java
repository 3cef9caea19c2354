package dev.kmodharness.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.module.ModuleInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real module sets of plugins/target/modules, built by the reactor before this module, and
 * what the LKML thread (the seed) shows for them.
 */
final class Sets {

    /** The seed's symbols, in the seed's order. */
    static final List<String> SEED_SYMBOLS = List.of("i915_gem_object_set_to_cpu_domain", "intel_ring_begin",
            "i915_vma_move_to_active", "shmem_unpin_map");

    static final String GAVE_UP = "kvmgt: gave up waiting for init of module i915.";

    static final long SECOND = 1_000_000_000L;

    /** resolve_symbol_wait's timeout, 30 * HZ. */
    static final long SYMBOL_TIMEOUT = 30 * SECOND;

    /**
     * One 30 s wait as the timer wheel ends it at HZ=250 when it starts on a 512-jiffy boundary:
     * 7,500 jiffies lands in level 3 (granularity 512) and fires at 7,680: 30.72 s.
     */
    static final long WHEEL_GAP = 30_720_000_000L;

    /**
     * The first wait, from boot: jiffies start at INITIAL_JIFFIES (-300 * HZ), 264 jiffies past a
     * 512-jiffy boundary, so 7,500 jiffies from there end on the boundary 7,928 jiffies away.
     */
    static final long FIRST_WAIT = 31_712_000_000L;

    private Sets() {
    }

    /** plugins/target/modules: from the system property surefire sets, else from the working directory. */
    static Path modulesDir() {
        String prop = System.getProperty("kmod.modules");
        Path dir = prop != null ? Path.of(prop) : Path.of("../target/modules");
        return dir.toAbsolutePath().normalize();
    }

    /** One module set, checked to hold its two JARs. */
    static Path set(String name) {
        Path dir = modulesDir().resolve(name);
        assertTrue(Files.isRegularFile(dir.resolve("i915.jar")) && Files.isRegularFile(dir.resolve("kvmgt.jar")),
                () -> dir + " lacks i915.jar and kvmgt.jar: build the plugins first (mvn verify from the root)");
        return dir;
    }

    static Path gvtRequest() {
        return set("gvt-request");
    }

    static Path gvtOps() {
        return set("gvt-ops");
    }

    /** plugins/ways-out/nowait: i915's init uses request_module_nowait. */
    static Path gvtNowait() {
        return set("gvt-nowait");
    }

    /** plugins/ways-out/work: i915's init defers the request to a work item (schedule_work). */
    static Path gvtWork() {
        return set("gvt-work");
    }

    /** plugins/ways-out/async: i915 probes in async work (async_schedule), which requests kvmgt. */
    static Path gvtAsync() {
        return set("gvt-async");
    }

    /** harness/target/kmod-harness.jar, the command line. */
    static Path cliJar() {
        String prop = System.getProperty("kmod.cli.jar");
        Path jar = prop != null ? Path.of(prop) : Path.of("../../harness/target/kmod-harness.jar");
        return jar.toAbsolutePath().normalize();
    }

    /** The seed's eight lines, as texts: per symbol, "gave up" then "Unknown symbol ... (err -16)". */
    static List<String> seedPairs() {
        List<String> lines = new ArrayList<>();
        for (String symbol : SEED_SYMBOLS) {
            lines.add(GAVE_UP);
            lines.add(unknownSymbol(symbol));
        }
        return lines;
    }

    static String unknownSymbol(String symbol) {
        return "kvmgt: Unknown symbol " + symbol + " (err -16)";
    }

    /** The records of the seed's kind: "gave up waiting" and "Unknown symbol" lines. */
    static List<Dmesg.Record> waitRecords(Kernel kernel) {
        return kernel.dmesgRecords().stream()
                .filter(r -> r.text().contains("gave up waiting") || r.text().contains("Unknown symbol"))
                .toList();
    }

    /**
     * kvmgt holds i915, as lsmod's Used by column and /sys/module/i915/holders show it: i915's
     * refcount 1 with holder kvmgt, kvmgt's 0. Returns lsmod.
     */
    static String assertKvmgtHoldsI915(Kernel kernel) {
        ModuleInfo i915 = kernel.module("i915").orElseThrow();
        assertEquals(1, i915.refcnt());
        assertEquals(List.of("kvmgt"), i915.holders());
        String lsmod = kernel.lsmod();
        List<String> rows = lsmod.lines().toList();
        assertEquals("Module                  Size  Used by", rows.get(0));
        String i915Row = rows.stream().filter(r -> r.startsWith("i915 ")).findFirst().orElseThrow();
        assertTrue(i915Row.matches("i915 +\\d+  1 kvmgt"), () -> "i915's lsmod row: '" + i915Row + "'\n" + lsmod);
        assertTrue(rows.stream().anyMatch(r -> r.matches("kvmgt +\\d+  0")), lsmod);
        return lsmod;
    }

    static List<String> texts(List<Dmesg.Record> records) {
        return records.stream().map(Dmesg.Record::text).toList();
    }
}
