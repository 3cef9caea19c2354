package dev.kmodharness.cli;

import dev.kmodharness.Kernel;
import dev.kmodharness.module.ModuleState;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code reproduce}: the LKML thread's hang. Boots on the gvt-request set, runs
 * {@code modprobe i915 enable_gvt=1}, prints dmesg and lsmod, and exits 0 when dmesg shows
 * what the seed shows: for each of kvmgt's four i915 symbols, in order, "gave up waiting for
 * init of module i915." and "Unknown symbol ... (err -16)", kvmgt not loaded, i915 LIVE.
 */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = "Reproduce the i915/kvmgt hang of the LKML thread (2021) on the gvt-request module set.")
final class ReproduceCommand implements Callable<Integer> {

    /** The seed's symbols, in the seed's order. */
    static final List<String> SEED_SYMBOLS = List.of("i915_gem_object_set_to_cpu_domain", "intel_ring_begin",
            "i915_vma_move_to_active", "shmem_unpin_map");
    private static final String SET = "plugins/target/modules/gvt-request";

    @Spec
    CommandSpec spec;

    @Option(names = "--modules", paramLabel = "DIR",
            description = "The gvt-request module set (default: " + SET + ", found from the working "
                    + "directory or from this JAR).")
    Path modules;

    @Mixin
    KernelOptions kernelOptions;

    @Mixin
    ReportOptions reportOptions;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path dir = modules != null ? modules : defaultSet();
        try (Kernel kernel = kernelOptions.boot(dir, err); Sigint sigint = new Sigint(kernel, out)) {
            kernel.depmod().warnings().forEach(err::println);
            boolean idle = ModprobeCommand.modprobeAndWait(kernel, "i915", List.of("enable_gvt=1"), err);
            ModprobeCommand.print(kernel, out);
            reportOptions.report(kernel, out);
            if (!idle) {
                return 1;
            }
            String verdict = verdict(kernel);
            if (verdict != null) {
                err.println("kmod-harness: not reproduced: " + verdict);
                return 1;
            }
            out.println();
            out.println("Reproduced: kvmgt waited " + SEED_SYMBOLS.size() + " times for i915's init and failed "
                    + "with -EBUSY (-16); i915 went LIVE without kvmgt.");
            return 0;
        }
    }

    /** Null when dmesg and the module states show the seed's hang; else what differs. */
    static String verdict(Kernel kernel) {
        List<String> texts = kernel.dmesgRecords().stream().map(r -> r.text()).toList();
        int at = 0;
        for (String symbol : SEED_SYMBOLS) {
            int gaveUp = texts.subList(at, texts.size()).indexOf("kvmgt: gave up waiting for init of module i915.");
            if (gaveUp < 0 || at + gaveUp + 1 >= texts.size()
                    || !texts.get(at + gaveUp + 1).equals("kvmgt: Unknown symbol " + symbol + " (err -16)")) {
                return "no 'gave up waiting' / 'Unknown symbol " + symbol + " (err -16)' pair in dmesg";
            }
            at += gaveUp + 2;
        }
        if (kernel.state("kvmgt").isPresent()) {
            return "kvmgt is loaded";
        }
        if (kernel.state("i915").filter(s -> s == ModuleState.LIVE).isEmpty()) {
            return "i915 is not LIVE";
        }
        return null;
    }

    static Path defaultSet() throws URISyntaxException {
        Path fromCwd = Path.of(SET);
        if (Files.isDirectory(fromCwd)) {
            return fromCwd;
        }
        Path jar = Path.of(ReproduceCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        // harness/target/kmod-harness.jar (or harness/target/classes) -> the project's root
        Path root = jar.getParent() == null ? null : jar.getParent().getParent();
        if (root != null && root.getParent() != null) {
            Path fromJar = root.getParent().resolve(SET);
            if (Files.isDirectory(fromJar)) {
                return fromJar;
            }
        }
        return fromCwd;
    }
}
