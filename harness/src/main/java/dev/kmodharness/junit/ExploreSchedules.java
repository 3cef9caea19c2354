package dev.kmodharness.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A {@link KernelTest} method run once for each distinct outcome of a concurrent scenario,
 * explored over its schedules ({@link dev.kmodharness.explore.Explorer}): the scenario, a root
 * shell's script as {@code kmod-harness run} reads it, runs on the test's module set under
 * many deterministic schedules; each distinct outcome becomes one invocation, named by the
 * replay token of its shortest schedule, which replays it on a fresh kernel and hands that
 * kernel, at rest, to the test. A failing invocation prints its interleaving (a column per
 * task) besides the kernel's report; {@link Replay} pins one token.
 *
 * <pre>{@code
 * @ExploreSchedules(script = {"modprobe kvmgt &", "modprobe i915 &", "wait"})
 * void neverHangs(Kernel kernel) {
 *     assertThat(kernel).module("i915").isLive();
 * }
 * }</pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@TestTemplate
@ExtendWith({KernelExtension.class, ScheduleInvocations.class})
public @interface ExploreSchedules {

    /** The scenario: one shell command a line; {@code &} runs a line as a task of its own. */
    String[] script();

    /** {@code dfs} (exhaustive within {@link #preemptions}), {@code pct} or {@code random}. */
    String strategy() default "dfs";

    /** At most this many schedules. */
    long schedules() default 1000;

    /** The seed of pct and random: the same seed, the same schedules. */
    long seed() default 1;

    /** dfs: at most this many preemptions per schedule. */
    int preemptions() default 2;

    /** pct: the bug depth it aims at. */
    int depth() default 3;
}
