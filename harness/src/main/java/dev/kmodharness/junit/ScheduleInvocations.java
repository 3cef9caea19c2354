package dev.kmodharness.junit;

import dev.kmodharness.explore.Exploration;
import dev.kmodharness.explore.Explorer;
import dev.kmodharness.explore.Outcome;
import dev.kmodharness.shell.Script;
import dev.kmodharness.shell.ScriptException;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The invocations of an {@link ExploreSchedules} method: writes (or finds) the module set once,
 * explores the script's schedules on it, and gives one {@link ScheduleRun} per distinct outcome,
 * or the one {@link Replay} names. The set's directory is deleted with the template's store,
 * after the last invocation.
 */
final class ScheduleInvocations implements TestTemplateInvocationContextProvider {

    private static final Namespace NAMESPACE = Namespace.create(ScheduleInvocations.class);

    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return AnnotationSupport.isAnnotated(context.getTestMethod(), ExploreSchedules.class);
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        ExploreSchedules explore = AnnotationSupport.findAnnotation(context.getTestMethod(), ExploreSchedules.class)
                .orElseThrow();
        KernelTest config = KernelExtension.config(context);
        Script script;
        try {
            script = Script.parse(List.of(explore.script()));
        } catch (ScriptException e) {
            throw new ExtensionConfigurationException("@ExploreSchedules script: " + e.getMessage(), e);
        }
        ModuleSets.Source source;
        Explorer explorer;
        try {
            source = ModuleSets.resolve(context);
            context.getStore(NAMESPACE).put("modules", (AutoCloseable) source::delete);
            explorer = Explorer.builder()
                    .modules(source.dir())
                    .kernel(b -> BootedKernel.configure(b, config))
                    .scenario(ScheduleRun.scenario(script, source.dir()))
                    .strategy(explore.strategy())
                    .schedules(explore.schedules())
                    .seed(explore.seed())
                    .preemptions(explore.preemptions())
                    .depth(explore.depth())
                    .build();
        } catch (IOException e) {
            throw new ExtensionConfigurationException("cannot read the module set: " + e.getMessage(), e);
        }
        Optional<Replay> replay = AnnotationSupport.findAnnotation(context.getTestMethod(), Replay.class);
        if (replay.isPresent()) {
            return Stream.of(new ScheduleRun(explorer, script, config, source.dir(), replay.get().value(),
                    "pinned by @Replay"));
        }
        Exploration found = explorer.explore();
        context.publishReportEntry("explored", found.summary());
        List<Outcome> outcomes = found.outcomes();
        return outcomes.stream().map(o -> new ScheduleRun(explorer, script, config, source.dir(), o.token(),
                "outcome " + (outcomes.indexOf(o) + 1) + " of " + outcomes.size() + ", " + o.count() + " schedule"
                        + (o.count() == 1 ? "" : "s") + "; " + found.summary()));
    }
}
