package dev.kmodharness.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class that fails on purpose, run only by {@link KernelExtensionTest} through the
 * EngineTestKit (which sets the configuration parameter {@value #ENABLED}): disabled when an IDE,
 * or a {@code -Dtest} pattern, picks it up on its own.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(Fixture.OnlyInTestKit.class)
@interface Fixture {

    String ENABLED = "dev.kmodharness.junit.fixtures";

    /** Enables the fixture when {@value #ENABLED} is "true". */
    final class OnlyInTestKit implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(ENABLED, Boolean::parseBoolean).orElse(false)
                    ? ConditionEvaluationResult.enabled("run by the EngineTestKit")
                    : ConditionEvaluationResult.disabled("a fixture of KernelExtensionTest");
        }
    }
}
