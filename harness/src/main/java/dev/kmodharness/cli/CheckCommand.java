package dev.kmodharness.cli;

import dev.kmodharness.kmod.Depmod;
import dev.kmodharness.lockdep.StaticCheck;
import java.util.Locale;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code check --modules DIR}: reads bytecode only and reports every cycle that will hang
 * module init, with its chain and cost. Exit 1 when one is found, 0 otherwise.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Find, from bytecode alone, the request_module/import cycles that will hang module init. "
                + "Exit 1 when one is found, 0 otherwise.")
final class CheckCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--modules", paramLabel = "DIR", required = true, description = "The modules directory.")
    Path modules;

    @Option(names = "--kernel", paramLabel = "5.15|6.12", defaultValue = "5.15",
            description = "The release whose async_synchronize_full rule applies (default: ${DEFAULT-VALUE}).")
    String kernel;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "The symbol timeout each wait costs (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Depmod.checkDirectory(modules);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Depmod index = Depmod.scan(modules);
        index.warnings().forEach(err::println);
        for (StaticCheck.Request request : StaticCheck.requests(index)) {
            out.printf(Locale.ROOT, "%s: init calls %s(\"%s\")%n", request.from(),
                    request.synchronous() ? "request_module" : "request_module_nowait", request.module());
        }
        for (StaticCheck.WorkRequest request : StaticCheck.workRequests(index)) {
            out.printf(Locale.ROOT, "%s: %s work calls request_module(\"%s\")%n", request.from(),
                    request.async() ? "async_schedule" : "schedule_work", request.module());
        }
        List<String> asyncCycles = StaticCheck.asyncCycles(index, dev.kmodharness.release.Release.of(kernel));
        for (String cycle : asyncCycles) {
            out.printf(Locale.ROOT, "cycle: %s hangs for good (no timeout)%n", cycle);
        }
        List<StaticCheck.Cycle> cycles = StaticCheck.cycles(index, timeoutSeconds * 1_000_000_000L);
        for (StaticCheck.Cycle cycle : cycles) {
            out.printf(Locale.ROOT, "cycle: %s hangs %d s (%d symbol%s x %d s)%n", cycle.chain(),
                    cycle.costNanos() / 1_000_000_000L, cycle.symbols(), cycle.symbols() == 1 ? "" : "s", timeoutSeconds);
            for (StaticCheck.Wait wait : cycle.waits()) {
                out.printf(Locale.ROOT, "  %s waits for %s, COMING, for: %s%n", wait.importer(), wait.owner(),
                        String.join(", ", wait.symbols()));
            }
        }
        int found = cycles.size() + asyncCycles.size();
        out.printf(Locale.ROOT, "check: %d module%s, %d cycle%s%n", index.names().size(),
                index.names().size() == 1 ? "" : "s", found, found == 1 ? " that hangs" : "s that hang");
        return found == 0 ? 0 : 1;
    }
}
