package dev.kmodharness.cli;

import dev.kmodharness.Kernel;
import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.module.ModuleState;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code modprobe --modules DIR NAME [param=value]...}: boots a fresh kernel on DIR, loads NAME,
 * waits until nothing is loading any more, prints dmesg, a blank line, then lsmod.
 */
@Command(name = "modprobe", mixinStandardHelpOptions = true,
        description = "Boot a kernel on a modules directory and load one module with its dependencies; "
                + "print dmesg, a blank line and lsmod. Exit 0 when NAME is LIVE or built in, 1 when not.")
final class ModprobeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--modules", paramLabel = "DIR", required = true,
            description = "The modules directory (like /lib/modules/VERSION).")
    Path modules;

    @Mixin
    KernelOptions kernelOptions;

    @Parameters(index = "0", paramLabel = "NAME", description = "The module to load.")
    String name;

    @Parameters(index = "1..*", paramLabel = "param=value", description = "Its parameters.")
    List<String> params = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Kernel kernel = kernelOptions.boot(modules)) {
            kernel.depmod().warnings().forEach(err::println);
            Modprobe.Result result = kernel.modprobe(name, params.toArray(String[]::new));
            kernel.awaitIdle();
            result.errors().forEach(err::println);
            print(kernel, out);
            boolean loaded = kernel.state(name.replace('-', '_')).filter(s -> s == ModuleState.LIVE).isPresent();
            return loaded ? 0 : 1;
        }
    }

    /** dmesg, one blank line, lsmod. */
    static void print(Kernel kernel, PrintWriter out) {
        kernel.dmesg().forEach(out::println);
        out.println();
        out.print(kernel.lsmod());
        out.flush();
    }
}
