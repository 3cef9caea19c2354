package dev.kmodharness.junit;

import dev.kmodharness.time.ClockMode;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class (or method) whose every test gets a freshly booted {@link dev.kmodharness.Kernel},
 * injected into its {@code Kernel} fields and parameters, on the module set described by a
 * {@link ModuleSet} member or read from a {@link ModulesFrom} directory. The kernel is closed
 * after each test, its directory deleted when the extension made it; a failing test's report
 * carries dmesg, lsmod, the lockdep reports and the critical chain, with the Chrome trace and
 * the SVG plot attached as files.
 *
 * <pre>{@code
 * @KernelTest
 * class SeedTest {
 *     @ModuleSet
 *     static List<PluginBuilder> gvt() {
 *         return List.of(plugin("i915").exports("intel_ring_begin").requests("kvmgt"),
 *                        plugin("kvmgt").imports("i915", "intel_ring_begin"));
 *     }
 *
 *     @Test
 *     void hangs(Kernel kernel) { ... }
 * }
 * }</pre>
 *
 * The elements are the kernel's configuration ({@link dev.kmodharness.Kernel.Builder}); on a
 * method, the annotation replaces the class's for that test.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(KernelExtension.class)
public @interface KernelTest {

    /** Modules built into the kernel image, inited at boot in this order. */
    String[] builtin() default {};

    /** VIRTUAL (the default: a 30 s timeout costs nothing) or REAL (scaled wall-clock time). */
    ClockMode clock() default ClockMode.VIRTUAL;

    /** For the REAL clock: real seconds per kernel second. */
    double timeScale() default 1.0 / 120;

    /** resolve_symbol_wait's timeout per symbol, in seconds of kernel time. */
    double symbolTimeout() default 30;

    /** kmod_concurrent_max. */
    int kmodConcurrentMax() default 50;

    /** What a wait that closes a cycle in the wait-for graph does; see {@link Deadlock}. */
    Deadlock deadlock() default Deadlock.REPORT;

    /** The COMING gate: off is the JVM-native mode of a plain plugin system. */
    boolean gate() default true;

    /** The kernel parameter module.async_probe. */
    boolean asyncProbe() default false;

    /** The kernel parameter initcall_debug. */
    boolean initcallDebug() default false;

    /**
     * The virtual-time watchdog's threshold, in seconds of real time: a task blocked outside the
     * harness this long is reported in dmesg; 0 turns the watchdog off.
     */
    double watchdog() default 2;

    /**
     * Fail the test when, once the kernel is closed, one of its worker threads is still
     * running or a module's class loader cannot be collected (something outside the kernel
     * holds it: a thread the module started, a JDK-wide registration).
     */
    boolean failOnLeaks() default false;

    /** The deadlock policies of a test. */
    enum Deadlock {
        /** Lockdep prints its report and the waits go on, as in the kernel (out to the timeout). */
        REPORT,
        /** The wait that closes a cycle fails at once with -EDEADLK (-35). */
        FAIL_FAST,
        /**
         * As FAIL_FAST, and the test fails with the lockdep report once its method returns,
         * whatever it asserted: for scenarios that must never close a cycle.
         */
        FAIL_TEST
    }
}
