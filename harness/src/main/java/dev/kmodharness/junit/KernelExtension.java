package dev.kmodharness.junit;

import dev.kmodharness.Kernel;
import dev.kmodharness.lockdep.DeadlockReport;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.TestAbortedException;

/**
 * The Jupiter extension behind {@link KernelTest}. One hook a concern, as Jupiter's model has
 * it:
 * <ul>
 *   <li>before each test ({@link BeforeEachCallback}, before the test's own {@code @BeforeEach}
 *     methods): builds or finds the module set, boots the kernel, puts it in the test's store
 *     and into the test instances' {@code Kernel} and {@link ModulesDir} fields;</li>
 *   <li>{@link ParameterResolver}: the same kernel and directory for parameters of the test and
 *     of its {@code @BeforeEach}/{@code @AfterEach} methods;</li>
 *   <li>{@link InvocationInterceptor}: under {@link KernelTest.Deadlock#FAIL_TEST}, fails the
 *     test with the lockdep report once its method has returned;</li>
 *   <li>{@link TestExecutionExceptionHandler}: a failing test gets the kernel's state as a
 *     suppressed {@link KernelReport} and the trace and plot as published files;</li>
 *   <li>after the test, Jupiter closes the store's {@link BootedKernel}: the kernel, the
 *     leak check, the directory.</li>
 * </ul>
 * The extension itself holds no state: everything of a test lives in that test's store.
 */
public final class KernelExtension
        implements BeforeEachCallback, ParameterResolver, InvocationInterceptor, TestExecutionExceptionHandler {

    private static final Namespace NAMESPACE = Namespace.create(KernelExtension.class);
    private static final String BOOTED = "booted";

    /** The configuration of a test registered with @ExtendWith(KernelExtension.class) alone. */
    @KernelTest
    private static final class Defaults {
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (AnnotationSupport.isAnnotated(context.getTestMethod(), ExploreSchedules.class)) {
            return; // each invocation adopts the kernel of its schedule's run instead
        }
        adopt(context, BootedKernel.boot(config(context), ModuleSets.resolve(context)));
    }

    /** Makes {@code booted} the test's kernel: in its store (which closes it) and its fields. */
    static void adopt(ExtensionContext context, BootedKernel booted) {
        // From here on the store owns it: Jupiter closes it after the test, even if what
        // follows fails.
        context.getStore(NAMESPACE).put(BOOTED, booted);
        booted.inject(context.getRequiredTestInstances().getAllInstances());
    }

    /** The booted kernel of the test this context belongs to, if there is one. */
    static Optional<BootedKernel> booted(ExtensionContext context) {
        return Optional.ofNullable(context.getStore(NAMESPACE).get(BOOTED, BootedKernel.class));
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        if (!(parameter.getDeclaringExecutable() instanceof Method)) {
            return false;
        }
        Class<?> type = parameter.getParameter().getType();
        return type == Kernel.class || type == Path.class && parameter.isAnnotated(ModulesDir.class);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        BootedKernel booted = booted(context).orElseThrow(() -> new ParameterResolutionException(
                "a kernel is booted for each test: take it in a test, @BeforeEach or @AfterEach method, not in "
                        + parameter.getDeclaringExecutable()));
        return parameter.getParameter().getType() == Kernel.class ? booted.kernel() : booted.dir();
    }

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
            ExtensionContext context) throws Throwable {
        proceedFailingOnDeadlock(invocation, context);
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
            ExtensionContext context) throws Throwable {
        proceedFailingOnDeadlock(invocation, context);
    }

    /**
     * Runs the test; under FAIL_TEST a cycle the kernel's lockdep found meanwhile fails it, with
     * the test's own failure, if any, kept as suppressed. The kernel's own listener cannot do
     * this: it runs on the kernel thread closing the cycle, with the kernel lock held.
     */
    private static void proceedFailingOnDeadlock(Invocation<Void> invocation, ExtensionContext context)
            throws Throwable {
        Optional<BootedKernel> booted = booted(context);
        if (booted.isEmpty() || booted.get().config().deadlock() != KernelTest.Deadlock.FAIL_TEST) {
            invocation.proceed();
            return;
        }
        Throwable failure = null;
        try {
            invocation.proceed();
        } catch (Throwable t) {
            failure = t;
        }
        List<DeadlockReport> cycles = booted.get().kernel().deadlocks();
        if (!cycles.isEmpty()) {
            DeadlockFailure deadlock = new DeadlockFailure(cycles);
            if (failure != null) {
                deadlock.addSuppressed(failure);
            }
            throw deadlock;
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        Optional<BootedKernel> booted = booted(context);
        if (booted.isPresent() && !(failure instanceof TestAbortedException)) {
            failure.addSuppressed(KernelReport.publish(booted.get(), context));
        }
        throw failure;
    }

    /** The test method's @KernelTest, else its class's (or an enclosing class's), else the defaults. */
    static KernelTest config(ExtensionContext context) {
        Optional<KernelTest> onMethod = AnnotationSupport.findAnnotation(context.getTestMethod(), KernelTest.class);
        if (onMethod.isPresent()) {
            return onMethod.get();
        }
        for (Class<?> c = context.getRequiredTestClass(); c != null; c = c.getEnclosingClass()) {
            Optional<KernelTest> onClass = AnnotationSupport.findAnnotation(c, KernelTest.class);
            if (onClass.isPresent()) {
                return onClass.get();
            }
        }
        return Defaults.class.getAnnotation(KernelTest.class);
    }
}
