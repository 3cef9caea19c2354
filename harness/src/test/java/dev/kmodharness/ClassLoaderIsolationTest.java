package dev.kmodharness;

import static dev.kmodharness.Scenarios.boot;
import static dev.kmodharness.Scenarios.module;
import static dev.kmodharness.junit.InitSteps.publishesItsClassLoader;
import static dev.kmodharness.junit.PluginBuilder.initClassOf;
import static dev.kmodharness.junit.PluginBuilder.symbolsClassOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.api.Kmod;
import dev.kmodharness.junit.PluginBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each module is defined by its own class loader, which sees the JDK, the api package, its own
 * JAR and the packages other modules export, and nothing of the harness or the class path. The
 * test gets hold of a module's loader through {@link Kernel#classLoader}; its init sets it as
 * the context class loader of the thread insmod runs it on, which the harness then restores.
 */
@Timeout(10)
class ClassLoaderIsolationTest {

    @TempDir
    Path dir;

    private static PluginBuilder publishing(String name) {
        return module(name).does(publishesItsClassLoader());
    }

    /**
     * insmod on this thread and return the module's loader. Its init set the loader as this
     * thread's context class loader; the harness gave the thread its own back.
     */
    private static ClassLoader insmodAndCatchLoader(Kernel kernel, Path jar) {
        Thread me = Thread.currentThread();
        ClassLoader saved = me.getContextClassLoader();
        assertEquals(0, kernel.insmod(jar));
        assertSame(saved, me.getContextClassLoader(), "module code's context class loader stays with the module");
        return kernel.classLoader(jar.getFileName().toString().replace(".jar", "")).orElseThrow();
    }

    @Test
    void everyModuleHasItsOwnLoaderThatIsNotTheTests() throws Exception {
        Path a = publishing("a").exports("sa").writeTo(dir);
        Path b = publishing("b").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            ClassLoader la = insmodAndCatchLoader(kernel, a);
            ClassLoader lb = insmodAndCatchLoader(kernel, b);

            assertNotSame(la, lb);
            ClassLoader mine = getClass().getClassLoader();
            assertNotSame(mine, la);
            assertEquals("a", la.getName());
            assertEquals("b", lb.getName());
            assertSame(la, Class.forName(initClassOf("a"), false, la).getClassLoader());
            assertSame(la, Class.forName(symbolsClassOf("a"), false, la).getClassLoader());
            assertSame(lb, Class.forName(initClassOf("b"), false, lb).getClassLoader());
        }
    }

    @Test
    void theParentChainOfAModuleLoaderDoesNotReachTheClassPath() throws Exception {
        Path a = publishing("a").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            ClassLoader la = insmodAndCatchLoader(kernel, a);

            List<ClassLoader> chain = new ArrayList<>();
            for (ClassLoader l = la.getParent(); l != null; l = l.getParent()) {
                chain.add(l);
            }
            assertFalse(chain.contains(getClass().getClassLoader()), chain::toString);
            assertFalse(chain.contains(ClassLoader.getSystemClassLoader()), chain::toString);
        }
    }

    @Test
    void harnessInternalsAndClassPathLibrariesAreNotVisibleToAModule() throws Exception {
        Path a = publishing("a").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            ClassLoader la = insmodAndCatchLoader(kernel, a);

            for (String hidden : List.of("dev.kmodharness.Kernel", "dev.kmodharness.module.Modules",
                    "dev.kmodharness.loader.ModuleClassLoader", "dev.kmodharness.junit.PluginBuilder",
                    "net.bytebuddy.ByteBuddy", "org.junit.jupiter.api.Test", getClass().getName())) {
                assertThrows(ClassNotFoundException.class, () -> Class.forName(hidden, false, la), hidden);
            }
        }
    }

    @Test
    void theApiAndTheJdkAreSharedWithTheHarness() throws Exception {
        Path a = publishing("a").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            ClassLoader la = insmodAndCatchLoader(kernel, a);

            assertSame(Kmod.class, Class.forName("dev.kmodharness.api.Kmod", false, la));
            assertSame(dev.kmodharness.api.Export.class, Class.forName("dev.kmodharness.api.Export", false, la));
            assertSame(List.class, Class.forName("java.util.List", false, la));
            assertSame(java.sql.Connection.class, Class.forName("java.sql.Connection", false, la));
        }
    }

    @Test
    void moduleClassesAreNotVisibleFromTheClassPath() throws Exception {
        Path a = publishing("a").exports("sa").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            ClassLoader la = insmodAndCatchLoader(kernel, a);

            assertNotNull(Class.forName(symbolsClassOf("a"), false, la));
            assertThrows(ClassNotFoundException.class, () -> Class.forName(symbolsClassOf("a")));
            assertThrows(ClassNotFoundException.class, () -> Class.forName(initClassOf("a")));
        }
    }

    @Test
    void anotherModuleSeesExactlyTheExportedPackageOfALiveModule() throws Exception {
        Path a = publishing("a").exports("sa").writeTo(dir);
        Path b = publishing("b").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            ClassLoader la = insmodAndCatchLoader(kernel, a);
            ClassLoader lb = insmodAndCatchLoader(kernel, b);

            // the exported Symbols class is a's own class, not a copy
            assertSame(Class.forName(symbolsClassOf("a"), false, la), Class.forName(symbolsClassOf("a"), false, lb));
            // a's init package is not exported
            assertThrows(ClassNotFoundException.class, () -> Class.forName(initClassOf("a"), false, lb));
            // b exports nothing
            assertThrows(ClassNotFoundException.class, () -> Class.forName(initClassOf("b"), false, la));
        }
    }

    @Test
    void theSameJarInTwoKernelsGivesTwoDistinctClasses() throws Exception {
        Path a = publishing("a").exports("sa").writeTo(dir);

        try (Kernel k1 = boot(dir); Kernel k2 = boot(dir)) {
            ClassLoader l1 = insmodAndCatchLoader(k1, a);
            ClassLoader l2 = insmodAndCatchLoader(k2, a);

            assertNotSame(l1, l2);
            Class<?> s1 = Class.forName(symbolsClassOf("a"), false, l1);
            Class<?> s2 = Class.forName(symbolsClassOf("a"), false, l2);
            assertEquals(s1.getName(), s2.getName());
            assertNotSame(s1, s2);
            assertTrue(s1.getDeclaredMethod("sa").isAnnotationPresent(dev.kmodharness.api.Export.class),
                    "the api's annotation is the harness's own class in every kernel");
        }
    }

    @Test
    void aModuleLoadedAgainAfterAFailedInitGetsAFreshLoader() throws Exception {
        Path failing = module("a").fails(-19).writeTo(dir.resolve("v1"));
        Path working = publishing("a").writeTo(dir.resolve("v2"));

        try (Kernel kernel = boot(dir.resolve("v1"))) {
            assertEquals(-19, kernel.insmod(failing));
            ClassLoader la = insmodAndCatchLoader(kernel, working);

            // the class initialized fine in the new loader: the failed one left no trace
            assertEquals("a", la.getName());
            Class<?> init = Class.forName(initClassOf("a"), true, la);
            assertSame(la, init.getClassLoader());
        }
    }
}
