package dev.kmodharness;

import static dev.kmodharness.Scenarios.LIVE;
import static dev.kmodharness.Scenarios.NOT_LOADED;
import static dev.kmodharness.Scenarios.boot;
import static dev.kmodharness.Scenarios.module;
import static dev.kmodharness.Scenarios.texts;
import static dev.kmodharness.junit.InitSteps.actsAs;
import static dev.kmodharness.junit.InitSteps.callsByMethodReference;
import static dev.kmodharness.junit.InitSteps.findsStatic;
import static dev.kmodharness.junit.InitSteps.loadsClassVia;
import static dev.kmodharness.junit.InitSteps.printk;
import static dev.kmodharness.junit.InitSteps.printsContextClassLoader;
import static dev.kmodharness.junit.InitSteps.printsResource;
import static dev.kmodharness.junit.InitSteps.printsResourceCount;
import static dev.kmodharness.junit.InitSteps.runsService;
import static dev.kmodharness.junit.InitSteps.schedulesWork;
import static dev.kmodharness.junit.PluginBuilder.initClassOf;
import static dev.kmodharness.junit.PluginBuilder.symbolsClassOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.kmod.Modprobe;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way Java code links follows the kernel's link-time rules: a method reference is an
 * import like a call (export, GPL), a class constant a dependency; a load by name through
 * another module's loader sees only what its own bytecode would; no module acts as another;
 * module code runs with its own loader as the thread's context class loader and finds its
 * own JAR's resources and services.
 */
@Timeout(10)
class LinkingIsolationTest {

    private static final String UNKNOWN = "modprobe: ERROR: could not insert 'b': "
            + "Unknown symbol in module, or unknown parameter (see dmesg)";

    @TempDir
    Path dir;

    // ---- imports beyond invokestatic ----

    @Test
    void aMethodReferenceIsAnImportResolvedAtLoad() throws IOException {
        module("a").exports("s").printk("a: init").writeTo(dir);
        module("b").does(callsByMethodReference("a", "s")).printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(List.of("a"), kernel.depmod().deps("b"));
            assertEquals(0, kernel.modprobe("b").status());

            assertEquals(List.of("a: init", "b: init"), texts(kernel));
            assertEquals(List.of("b"), kernel.module("a").orElseThrow().holders());
        }
    }

    @Test
    void aMethodReferenceToAMethodThatIsNotExportedIsAnUnknownSymbol() throws IOException {
        module("a").exports("s").writeTo(dir);
        module("b").imports("a", "s").does(callsByMethodReference("a", "internal")).printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(new Modprobe.Result(1, List.of(UNKNOWN)), kernel.modprobe("b"));

            assertEquals(List.of("b: Unknown symbol internal (err -2)"), texts(kernel), "found at load: init never ran");
            assertEquals(NOT_LOADED, kernel.state("b"));
        }
    }

    @Test
    void aMethodReferenceToAGplSymbolFromAProprietaryModuleIsAnUnknownSymbol() throws IOException {
        module("a").exportsGpl("g").writeTo(dir);
        module("b").license("Proprietary").does(callsByMethodReference("a", "g")).printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(new Modprobe.Result(1, List.of(UNKNOWN)), kernel.modprobe("b"));

            assertEquals(List.of(
                    "b: module license 'Proprietary' taints kernel.",
                    "Disabling lock debugging due to kernel taint",
                    "b: Unknown symbol g (err -2)"), texts(kernel));
        }
    }

    @Test
    void aClassConstantOfAnotherModuleIsADependency() throws IOException {
        module("a").exports("s").printk("a: init").writeTo(dir);
        module("b").does(loadsClassVia("a", symbolsClassOf("a"))).printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(List.of("a"), kernel.depmod().deps("b"));
            assertEquals(0, kernel.modprobe("b").status());

            assertEquals(List.of("a: init", "b: init"), texts(kernel));
        }
    }

    // ---- loads by name ----

    @Test
    void anotherModulesLoaderDoesNotHandOutItsUnexportedClasses() throws IOException {
        module("a").exports("s").writeTo(dir);
        module("b").does(loadsClassVia("a", initClassOf("a"))).printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(new Modprobe.Result(1, List.of(UNKNOWN)), kernel.modprobe("b"));

            assertEquals(List.of("b: module_init threw java.lang.ClassNotFoundException: kmodtest.a.init.Init"
                    + " is not exported to module b (err -2)"), texts(kernel));
            assertEquals(LIVE, kernel.state("a"));
        }
    }

    @Test
    void theHarnessStillGetsAnyClassOfAModuleThroughItsLoader() throws Exception {
        module("a").exports("s").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.modprobe("a").status());
            ClassLoader loader = kernel.classLoader("a").orElseThrow();

            assertEquals(loader, Class.forName(initClassOf("a"), false, loader).getClassLoader());
        }
    }

    @Test
    void findStaticFindsOnlyWhatAStaticCallCouldLink() throws IOException {
        module("a").exports("s").exportsGpl("g").writeTo(dir);
        module("b").license("Proprietary").does(findsStatic("a", "s"), printk("b: s linked"), findsStatic("a", "g"))
                .printk("b: init").writeTo(dir);
        module("c").does(findsStatic("a", "g")).printk("c: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(new Modprobe.Result(1, List.of("modprobe: ERROR: could not insert 'b': Bad address")),
                    kernel.modprobe("b"));
            assertEquals(0, kernel.modprobe("c").status());

            assertEquals(List.of(
                    "b: module license 'Proprietary' taints kernel.",
                    "Disabling lock debugging due to kernel taint",
                    "b: s linked",
                    "b: module_init threw java.lang.NoSuchMethodException: Unknown symbol g: kmodtest.a.Symbols.g()V"
                            + " is not a symbol module b may link (err -14)",
                    "c: init"), texts(kernel));
            assertEquals(List.of("c"), kernel.module("a").orElseThrow().holders());
        }
    }

    // ---- identity ----

    @Test
    void noModuleCanActAsAnother() throws IOException {
        module("a").exports("s").writeTo(dir);
        module("b").imports("a", "s").does(actsAs("a", "a: hijacked")).printk("b: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(new Modprobe.Result(1, List.of("modprobe: ERROR: could not insert 'b': Bad address")),
                    kernel.modprobe("b"));

            assertEquals(List.of("b: module_init threw java.lang.IllegalCallerException: kmodtest.b.init.Init"
                    + " may not act as module a (err -14)"), texts(kernel));
        }
    }

    // ---- the module's own loader and resources ----

    @Test
    void moduleCodeRunsWithItsOwnLoaderAsTheContextClassLoader() throws IOException {
        module("a").resource("kmodtest/a/Work.class",
                        dev.kmodharness.junit.InitSteps.runnableClass("kmodtest.a.Work", printsContextClassLoader("a: work ccl=")))
                .does(printsContextClassLoader("a: init ccl="), schedulesWork("kmodtest.a.Work")).writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            ClassLoader mine = Thread.currentThread().getContextClassLoader();
            assertEquals(0, kernel.modprobe("a").status());
            assertTrue(kernel.awaitIdle());

            assertEquals(List.of("a: init ccl=a", "a: work ccl=a"), texts(kernel));
            assertEquals(mine, Thread.currentThread().getContextClassLoader());
        }
    }

    @Test
    void aModuleFindsItsOwnResourcesAndServices() throws IOException {
        module("a")
                .resource("data/greeting.txt", "hello".getBytes())
                .resource("META-INF/services/java.lang.Runnable", "kmodtest.a.Service\n".getBytes())
                .resource("kmodtest/a/Service.class",
                        dev.kmodharness.junit.InitSteps.runnableClass("kmodtest.a.Service", printk("a: service ran")))
                .does(printsResource("a: greeting=", "data/greeting.txt"),
                        printsResourceCount("a: copies=", "data/greeting.txt"),
                        printsResourceCount("a: missing=", "data/none.txt"),
                        runsService())
                .writeTo(dir);
        module("b").does(printsResourceCount("b: sees a's=", "data/greeting.txt")).writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.modprobe("a").status());
            assertEquals(0, kernel.modprobe("b").status());

            assertEquals(List.of("a: greeting=hello", "a: copies=1", "a: missing=0", "a: service ran",
                    "b: sees a's=0"), texts(kernel));
        }
    }
}
