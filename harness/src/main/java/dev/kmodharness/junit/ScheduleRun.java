package dev.kmodharness.junit;

import dev.kmodharness.Kernel;
import dev.kmodharness.explore.Explorer;
import dev.kmodharness.explore.Run;
import dev.kmodharness.explore.Scenario;
import dev.kmodharness.shell.Script;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.opentest4j.TestAbortedException;

/**
 * One invocation of an {@link ExploreSchedules} method: one schedule, named by its replay
 * token. Before the test it replays the schedule on a fresh kernel and makes that kernel, at
 * rest, the test's ({@link KernelExtension#adopt}); a {@link Run} parameter gets the run (exit
 * status, output, trace). A failure carries the interleaving as a suppressed
 * {@link ScheduleReport}. One object per invocation, used on the test's thread.
 */
final class ScheduleRun implements TestTemplateInvocationContext, BeforeEachCallback, ParameterResolver,
        TestExecutionExceptionHandler {

    private final Explorer explorer;
    private final Script script;
    private final KernelTest config;
    private final Path dir;
    private final String token;
    private final String found;
    /** The replayed run, once {@link #beforeEach} has run. */
    private Run run;

    ScheduleRun(Explorer explorer, Script script, KernelTest config, Path dir, String token, String found) {
        this.explorer = explorer;
        this.script = script;
        this.config = config;
        this.dir = dir;
        this.token = token;
        this.found = found;
    }

    /** The script as a scenario, run in the module set's directory (so {@code insmod x.jar} finds x). */
    static Scenario scenario(Script script, Path dir) {
        return Scenario.script(script, dir);
    }

    @Override
    public String getDisplayName(int invocationIndex) {
        return token;
    }

    @Override
    public List<Extension> getAdditionalExtensions() {
        return List.of(this);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        // A replayer of its own, on the same module images, that keeps the kernel it ran on.
        AtomicReference<Kernel> ranOn = new AtomicReference<>();
        Scenario scenario = scenario(script, dir);
        Explorer replayer = Explorer.builder()
                .depmod(explorer.depmod())
                .kernel(b -> BootedKernel.configure(b, config))
                .scenario((kernel, out, err) -> {
                    ranOn.set(kernel);
                    return scenario.run(kernel, out, err);
                })
                .build();
        run = replayer.replay(token);
        KernelExtension.adopt(context, BootedKernel.adopt(config, ranOn.get(), dir));
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Run.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return run;
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        if (run != null && !(failure instanceof TestAbortedException)) {
            failure.addSuppressed(new ScheduleReport(token, found, run));
        }
        throw failure;
    }

    /**
     * The schedule a failing invocation ran: its token, how to replay it, what the exploration
     * found, and the interleaving, a column per task. No stack trace of its own.
     */
    public static final class ScheduleReport extends Throwable {

        private static final long serialVersionUID = 1L;

        ScheduleReport(String token, String found, Run run) {
            super("schedule " + token + " (" + found + "); replay it alone with @Replay(\"" + token + "\")\n"
                    + "exit status " + run.status() + ", " + run.end() + ", " + run.trace().steps().size() + " steps, "
                    + run.trace().preemptions() + " preemptions\n" + run.trace().table().stripTrailing(),
                    null, false, false);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }
}
