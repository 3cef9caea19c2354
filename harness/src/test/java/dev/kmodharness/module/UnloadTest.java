package dev.kmodharness.module;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.kmod.Modprobe;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * delete_module with the kernel's errnos, module_exit, references, modprobe -r; and after an
 * unload or a failed init, the module's class loader is garbage: nothing keeps it.
 */
class UnloadTest {

    @TempDir
    Path dir;

    @Test
    void rmmodGivesTheKernelsErrnosInTheKernelsOrder() throws Exception {
        plugin("a").license("GPL").exportsGpl("a_sym").exit().writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_sym").exit().writeTo(dir);
        plugin("noexit").license("GPL").writeTo(dir);
        plugin("getter").license("GPL").exit().writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            assertEquals(-2, kernel.rmmod("a"), "not loaded: -ENOENT");
            assertEquals(0, kernel.modprobe("b").status());
            assertEquals(-11, kernel.rmmod("a"), "used by b: -EWOULDBLOCK");
            assertEquals(0, kernel.modprobe("noexit").status());
            assertEquals(-16, kernel.rmmod("noexit"), "init without exit: -EBUSY");
            assertTrue(kernel.procModules().contains("noexit "), kernel.procModules());
            assertTrue(kernel.procModules().lines().anyMatch(l -> l.startsWith("noexit ") && l.contains(" [permanent],")));

            assertEquals(0, kernel.rmmod("b"));
            assertEquals(0, kernel.rmmod("a"));
            List<String> texts = kernel.dmesgRecords().stream().map(r -> r.text()).toList();
            assertEquals(List.of("b: exit", "a: exit"), texts.stream().filter(t -> t.endsWith(": exit")).toList());
            assertTrue(kernel.state("a").isEmpty());
            assertEquals("Module                  Size  Used by\n", kernel.lsmod().replaceAll("(?m)^noexit .*\\n", ""));
        }
    }

    /**
     * try_release_module_ref takes the base reference before the exit runs: module_refcount()
     * reads -1 ("Unloading" in /proc/modules) while the module goes; delete_module calls the
     * GOING notifier after module_exit. The notifier runs on the unloading thread with the
     * kernel lock held, which is why this test may read the kernel from it.
     */
    @RepeatedTest(20)
    void anUnloadingModulesRefcountIsMinusOneAndItsGoingNotifierFollowsItsExit() throws Exception {
        plugin("a").license("GPL").exit().writeTo(dir);
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Kernel> booted = new java.util.concurrent.atomic.AtomicReference<>();
        try (Kernel kernel = Kernel.builder().modules(dir).notifier(e -> {
            if (e.state() == ModuleState.GOING) {
                Kernel k = booted.get();
                seen.add(k.dmesg().get(k.dmesg().size() - 1) + " | refcnt " + k.module("a").orElseThrow().refcnt()
                        + " | " + k.procModules().strip());
            }
        }).build()) {
            booted.set(kernel);
            assertEquals(0, kernel.modprobe("a").status());
            assertEquals(0, kernel.rmmod("a"));

            assertEquals(1, seen.size(), seen::toString);
            assertTrue(seen.get(0).startsWith("[    0.000000] a: exit | refcnt -1 | a "), seen::toString);
            assertTrue(seen.get(0).endsWith(" -1 - Unloading 0x0000000000000000"), seen::toString);
            assertTrue(kernel.state("a").isEmpty());
        }
    }

    /**
     * modprobe -r of a module still loading: its init reference makes the refcount 1, and kmod's
     * rmmod_do_module refuses a module in use. (The caller is a task, so virtual time stands
     * still and the init's msleep goes on.)
     */
    @RepeatedTest(20)
    void modprobeRemoveOfAModuleStillLoadingSaysItIsInUse() throws Exception {
        plugin("slow").license("GPL").msleep(5_000).exit().writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            Modprobe.Result result = kernel.task(() -> {
                kernel.exec("modprobe slow", () -> kernel.modprobe("slow"));
                await().atMost(Duration.ofSeconds(10)).until(() -> kernel.initstate("slow").equals(java.util.Optional.of("coming")));
                assertEquals(1, kernel.module("slow").orElseThrow().refcnt(), "the init reference");
                return kernel.modprobeRemove("slow");
            });

            assertEquals(new Modprobe.Result(1, List.of("modprobe: FATAL: Module slow is in use.")), result);
            assertTrue(kernel.awaitIdle());
            assertEquals(java.util.Optional.of(ModuleState.LIVE), kernel.state("slow"));
        }
    }

    @Test
    void referencesHeldWithTryModuleGetBlockUnload() throws Exception {
        plugin("a").license("GPL").exit().writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            assertEquals(0, kernel.modprobe("a").status());
            ClassLoader loader = kernel.classLoader("a").orElseThrow();
            dev.kmodharness.api.Kmod.Host host = ((dev.kmodharness.api.Kmod.HostLoader) loader).kmodHost();

            assertTrue(host.tryModuleGet("a"));
            assertEquals(1, kernel.module("a").orElseThrow().refcnt());
            assertEquals(-11, kernel.rmmod("a"), "references held: -EWOULDBLOCK");
            Modprobe.Result inUse = kernel.modprobeRemove("a");
            assertEquals(List.of("modprobe: FATAL: Module a is in use."), inUse.errors());

            host.modulePut("a");
            assertEquals(0, kernel.module("a").orElseThrow().refcnt());
            assertEquals(0, kernel.rmmod("a"));
        }
    }

    @Test
    void modprobeRemoveTakesUnusedDependenciesWithIt() throws Exception {
        plugin("a").license("GPL").exportsGpl("a_sym").exit().writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_sym").exit().writeTo(dir);
        plugin("c").license("GPL").imports("a", "a_sym").exit().writeTo(dir);
        try (Kernel kernel = Kernel.builder().modules(dir).build()) {
            kernel.modprobe("b");
            kernel.modprobe("c");
            assertEquals(2, kernel.module("a").orElseThrow().refcnt());

            assertEquals(0, kernel.modprobeRemove("b").status());
            assertTrue(kernel.state("a").isPresent(), "c still uses a");
            assertEquals(0, kernel.modprobeRemove("c").status());
            assertTrue(kernel.state("a").isEmpty(), "nothing uses a any more");
            assertEquals(new Modprobe.Result(0, List.of()), kernel.modprobeRemove("c"), "not loaded: nothing to do");
        }
    }

    @Test
    void classLoaderIsCollectedAfterRmmodAndAfterAFailedInit() throws Exception {
        plugin("a").license("GPL").exportsGpl("a_sym").printk("a: up").exit().writeTo(dir);
        plugin("b").license("GPL").imports("a", "a_sym").loadsClassOf("a").exit().writeTo(dir);
        plugin("broken").license("GPL").printk("broken: trying").fails(-19).writeTo(dir);
        List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
        try (Kernel kernel = Kernel.builder().modules(dir)
                .notifier(event -> {
                    if (event.state() == ModuleState.COMING) {
                        loaders.add(new WeakReference<>(event.loader()));
                    }
                }).build()) {
            assertEquals(0, kernel.modprobe("b").status());
            assertEquals(1, kernel.modprobe("broken").status());
            assertEquals(0, kernel.modprobeRemove("b").status());
            assertTrue(kernel.modules().isEmpty(), kernel.lsmod());
            assertEquals(3, loaders.size());

            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                System.gc();
                return loaders.stream().allMatch(ref -> ref.get() == null);
            });
        }
    }
}
