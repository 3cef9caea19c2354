package dev.kmodharness.junit;

import dev.kmodharness.release.Release;
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

    /**
     * The kernel release (with the kmod of its time) whose rules apply where they changed:
     * {@link Release#V5_15}, the seed's (the default), or {@link Release#V6_12}.
     */
    Release release() default Release.V5_15;

    /**
     * CONFIG_HZ: 100, 250 (the default, the seed's), 300 or 1000. Timeouts are counted in
     * jiffies and fire through the timer wheel, which rounds them up per level; another value
     * is a configuration error.
     */
    int hz() default 250;

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
     * kernel.hung_task_timeout_secs, in seconds of real time (the kernel's is 120): a task blocked
     * this long in module code outside any harness wait is reported in dmesg ({@code INFO: task
     * ... blocked for more than N seconds.}) and {@code awaitIdle} stops waiting for it; 0 turns
     * the detector off.
     */
    double hungTaskTimeout() default 4;

    /**
     * The soft-lockup threshold, in seconds of real time (the kernel's is 20): a task running
     * module code this long without a harness wait is reported in dmesg ({@code watchdog: BUG:
     * soft lockup}) and {@code awaitIdle} stops waiting for it; 0 turns the detector off.
     */
    double softLockup() default 4;

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
