package dev.kmodharness;

import static dev.kmodharness.Scenarios.LIVE;
import static dev.kmodharness.Scenarios.NOT_LOADED;
import static dev.kmodharness.Scenarios.boot;
import static dev.kmodharness.Scenarios.module;
import static dev.kmodharness.Scenarios.moduleLoaderDmesg;
import static dev.kmodharness.junit.InitSteps.publishesItsClassLoader;
import static dev.kmodharness.junit.PluginBuilder.initClassOf;
import static dev.kmodharness.junit.PluginBuilder.symbolsClassOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.kmodharness.kmod.Modprobe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Kernels share nothing: many in one JVM, on one modules directory, at the same time. */
@Timeout(20)
class ManyKernelsTest {

    @TempDir
    Path dir;

    /** What one kernel's thread saw. */
    private record Outcome(List<String> dmesg, long now, ClassLoader loaderOfC) {
    }

    @Test
    void twoKernelsOnOneDirectoryLoadingAtOnceDoNotSeeEachOther() throws Exception {
        // kernel 1: c, then the 60 s hang of a requesting b. kernel 2: c, then d, which needs c.
        module("a").exports("s1", "s2").requests("b").writeTo(dir);
        module("b").imports("a", "s1", "s2").writeTo(dir);
        module("c").exports("t").does(publishesItsClassLoader()).writeTo(dir);
        module("d").imports("c", "t").printk("d: init").writeTo(dir);

        for (int round = 0; round < 5; round++) {
            CyclicBarrier start = new CyclicBarrier(2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try (Kernel k1 = boot(dir); Kernel k2 = boot(dir)) {
                Future<Outcome> f1 = pool.submit(run(start, k1, "a"));
                Future<Outcome> f2 = pool.submit(run(start, k2, "d"));
                Outcome o1 = f1.get(10, TimeUnit.SECONDS);
                Outcome o2 = f2.get(10, TimeUnit.SECONDS);

                assertEquals(List.of(
                        "[   31.712000] b: gave up waiting for init of module a.",
                        "[   31.712000] b: Unknown symbol s1 (err -16)",
                        "[   62.432000] b: gave up waiting for init of module a.",
                        "[   62.432000] b: Unknown symbol s2 (err -16)",
                        "[   62.432000] a: request_module(b) returned 256"), o1.dmesg());
                assertEquals(62_432_000_000L, o1.now());
                assertEquals(List.of("[    0.000000] d: init"), o2.dmesg());
                assertEquals(0, o2.now(), "kernel 1's waits do not move kernel 2's clock");

                assertEquals(LIVE, k1.state("a"));
                assertEquals(NOT_LOADED, k1.state("d"));
                assertEquals(LIVE, k2.state("d"));
                assertEquals(NOT_LOADED, k2.state("a"));
                assertEquals(List.of(), k1.module("c").orElseThrow().holders());
                assertEquals(List.of("d"), k2.module("c").orElseThrow().holders());

                assertNotSame(o1.loaderOfC(), o2.loaderOfC());
                assertNotSame(Class.forName(symbolsClassOf("c"), false, o1.loaderOfC()),
                        Class.forName(symbolsClassOf("c"), false, o2.loaderOfC()));
                assertNotSame(Class.forName(initClassOf("c"), false, o1.loaderOfC()),
                        Class.forName(initClassOf("c"), false, o2.loaderOfC()));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** On a pool thread: insmod c (catching its loader), then modprobe {@code target}. */
    private static Callable<Outcome> run(CyclicBarrier start, Kernel kernel, String target) {
        return () -> {
            start.await(5, TimeUnit.SECONDS);
            assertEquals(0, kernel.insmod(kernel.depmod().dir().resolve("c.jar")));
            ClassLoader loaderOfC = kernel.classLoader("c").orElseThrow();
            assertEquals(new Modprobe.Result(0, List.of()), kernel.modprobe(target));
            return new Outcome(moduleLoaderDmesg(kernel), kernel.now(), loaderOfC);
        };
    }

    @Test
    void manyKernelsRunningTheSameScenarioAtOnceAllGetTheSameDmesg() throws Exception {
        module("a").exports("s").requests("b").requestsNowait("c").msleep(2000).printk("a: done").writeTo(dir);
        module("b").imports("a", "s").writeTo(dir);
        module("c").imports("a", "s").printk("c: init").writeTo(dir);
        List<String> expected = List.of(
                "[   31.712000] b: gave up waiting for init of module a.",
                "[   31.712000] b: Unknown symbol s (err -16)",
                "[   31.712000] a: request_module(b) returned 256",
                "[   31.712000] a: request_module_nowait(c) returned 0",
                "[   33.728000] a: done",
                "[   33.728000] c: init");

        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<Kernel> kernels = new ArrayList<>();
        try {
            CyclicBarrier start = new CyclicBarrier(n);
            List<Future<List<String>>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Kernel kernel = boot(dir);
                kernels.add(kernel);
                results.add(pool.submit(() -> {
                    start.await(5, TimeUnit.SECONDS);
                    kernel.modprobe("a");
                    kernel.awaitIdle();
                    return moduleLoaderDmesg(kernel);
                }));
            }
            for (Future<List<String>> result : results) {
                assertEquals(expected, result.get(10, TimeUnit.SECONDS));
            }
            for (Kernel kernel : kernels) {
                assertEquals(List.of("c", "a"), kernel.modules().stream().map(m -> m.name()).toList());
                assertEquals(1, kernel.module("a").orElseThrow().refcnt());
            }
        } finally {
            pool.shutdownNow();
            kernels.forEach(Kernel::close);
        }
    }
}
