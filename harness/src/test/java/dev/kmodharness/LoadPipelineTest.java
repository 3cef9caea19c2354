package dev.kmodharness;

import static dev.kmodharness.Scenarios.COMING;
import static dev.kmodharness.Scenarios.LIVE;
import static dev.kmodharness.Scenarios.NOT_LOADED;
import static dev.kmodharness.Scenarios.boot;
import static dev.kmodharness.Scenarios.module;
import static dev.kmodharness.Scenarios.texts;
import static dev.kmodharness.Scenarios.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.module.ModuleInfo;
import dev.kmodharness.time.ClockMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** load_module and do_init_module: init's return, parameters, same-name loads, bad files. */
@Timeout(10)
class LoadPipelineTest {

    @TempDir
    Path dir;

    // ---- init's errno ----

    @Test
    void initThatSucceedsLeavesTheModuleLive() throws IOException {
        Path a = module("a").printk("a: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(a));

            assertEquals(LIVE, kernel.state("a"));
            assertEquals(Optional.of("live"), kernel.initstate("a"));
            assertEquals(0, kernel.module("a").orElseThrow().refcnt(), "the init reference is dropped");
            assertEquals(List.of("[    0.000000] a: init"), kernel.dmesg());
        }
    }

    @Test
    void initFailureIsReturnedByInsmodAndTheModuleIsGone() throws IOException {
        Path a = module("a").exports("s").printk("a: init").fails(-19).writeTo(dir);
        Path b = module("b").imports("a", "s").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(-19, kernel.insmod(a));

            assertEquals(NOT_LOADED, kernel.state("a"));
            assertEquals(Optional.empty(), kernel.initstate("a"));
            assertEquals(Optional.empty(), kernel.module("a"));
            assertEquals("Module                  Size  Used by\n", kernel.lsmod());
            // its exports went with it
            assertEquals(-2, kernel.insmod(b));
            assertEquals(List.of(
                    "[    0.000000] a: init",
                    "[    0.000000] b: Unknown symbol s (err -2)"), kernel.dmesg());
        }
    }

    @Test
    void aPositiveErrnoFromInitMeansTheSameAsTheNegativeOne() throws IOException {
        Path a = module("a").fails(19).writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(-19, kernel.insmod(a));
            assertEquals(NOT_LOADED, kernel.state("a"));
        }
    }

    @Test
    void initThrowingAnythingElseFailsWithEfault() throws IOException {
        Path a = module("a").exports("s").throwsError("boom").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(-14, kernel.insmod(a));

            assertEquals(List.of("[    0.000000] a: module_init threw java.lang.IllegalStateException: boom (err -14)"),
                    kernel.dmesg());
            assertEquals(NOT_LOADED, kernel.state("a"));
        }
    }

    @Test
    void modprobeNamesTheErrnoOfAFailedInit() throws IOException {
        module("a").fails(-19).writeTo(dir);
        module("b").throwsError("boom").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(new Modprobe.Result(1, List.of("modprobe: ERROR: could not insert 'a': No such device")),
                    kernel.modprobe("a"));
            assertEquals(new Modprobe.Result(1, List.of("modprobe: ERROR: could not insert 'b': Bad address")),
                    kernel.modprobe("b"));
        }
    }

    @Test
    void aModuleWithoutInitGoesLiveAtOnce() throws IOException {
        Path a = module("a").noInit().exports("s").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(a));
            assertEquals(LIVE, kernel.state("a"));
            assertEquals(List.of(), kernel.dmesg());
        }
    }

    // ---- parameters ----

    @Test
    void knownParametersReachInitAndUnknownOnesAreWarnedAboutAndIgnored() throws IOException {
        Path a = module("a").params("p", "q").printsParam("p").printsParam("q").printsParam("zz").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(a, "p=v", "zz=1"));

            assertEquals(List.of(
                    "[    0.000000] a: unknown parameter 'zz' ignored",
                    "[    0.000000] a: p=v",
                    "[    0.000000] a: q=null",
                    "[    0.000000] a: zz=null"), kernel.dmesg());
            assertEquals(LIVE, kernel.state("a"));
        }
    }

    @Test
    void modprobeHandsItsParametersToTheNamedModuleOnly() throws IOException {
        module("a").params("p").exports("s").printsParam("p").writeTo(dir);
        module("b").params("p").imports("a", "s").printsParam("p").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(new Modprobe.Result(0, List.of()), kernel.modprobe("b", "p=1"));

            assertEquals(List.of("[    0.000000] a: p=null", "[    0.000000] b: p=1"), kernel.dmesg());
        }
    }

    @Test
    void dashesAndUnderscoresInParameterNamesAreTheSame() throws IOException {
        // kernel/params.c parameq(): '-' and '_' compare equal
        Path a = module("a").params("my_param").printsParam("my_param").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(a, "my-param=7"));
            assertEquals(List.of("[    0.000000] a: my_param=7"), kernel.dmesg());
        }
    }

    @Test
    void aParameterWithoutAValueIsTheEmptyString() throws IOException {
        Path a = module("a").params("flag").printsParam("flag").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(a, "flag"));
            assertEquals(List.of("[    0.000000] a: flag="), kernel.dmesg());
        }
    }

    // ---- same-name loads ----

    @Test
    void secondLoadOfALiveModuleFailsWithEexist() throws IOException {
        Path a = module("a").printk("a: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(a));
            assertEquals(-17, kernel.insmod(a));

            assertEquals(List.of("[    0.000000] a: init"), kernel.dmesg(), "init ran once");
            assertEquals(LIVE, kernel.state("a"));
        }
    }

    @Test
    void secondLoadUnderAnotherFileNameIsTheSameModule() throws IOException {
        Path a = module("a").printk("a: init").writeTo(dir);
        Path copy = module("a").printk("a: init again").writeTo(dir.resolve("elsewhere"), "copy.jar");

        try (Kernel kernel = boot(dir)) {
            assertEquals(0, kernel.insmod(a));
            assertEquals(-17, kernel.insmod(copy));
            assertEquals(List.of("[    0.000000] a: init"), kernel.dmesg());
        }
    }

    @Test
    void aModuleCanBeLoadedAgainAfterItsInitFailed() throws IOException {
        Path failing = module("a").fails(-19).writeTo(dir.resolve("v1"));
        Path working = module("a").printk("a: init").writeTo(dir.resolve("v2"));

        try (Kernel kernel = boot(dir.resolve("v1"))) {
            assertEquals(-19, kernel.insmod(failing));
            assertEquals(0, kernel.insmod(working));
            assertEquals(LIVE, kernel.state("a"));
        }
    }

    @Test
    @SuppressWarnings("try") // close() inside the try: it interrupts the kmod workers
    void secondLoadOfAComingModuleWaitsForItsInitThenGetsEexist() throws Exception {
        // REAL clock: a's init sleeps for ten minutes, until close() interrupts its modprobe worker
        Path a = module("a").msleep(600_000).printk("a: init done").writeTo(dir);

        try (Kernel kernel = Kernel.builder().modules(dir).clock(ClockMode.REAL).timeScale(1.0).build()) {
            assertEquals(0, kernel.requestModuleNowait("a"));
            eventually().until(() -> kernel.state("a").equals(COMING));

            AtomicInteger second = new AtomicInteger(Integer.MIN_VALUE);
            Thread insmod = new Thread(() -> second.set(kernel.insmod(a)), "second insmod");
            insmod.start();
            eventually().until(() -> insmod.getState() == Thread.State.TIMED_WAITING
                    || insmod.getState() == Thread.State.WAITING || !insmod.isAlive());
            kernel.close(); // a's msleep ends early, as on a signal; a goes LIVE
            insmod.join(5000);

            assertEquals(-17, second.get(), "waited for a's init, which went LIVE (-EBUSY means it did not wait)");
            assertEquals(LIVE, kernel.state("a"));
            assertEquals(List.of("a: init done"), texts(kernel), "init ran once");
        }
    }

    @Test
    @SuppressWarnings("try") // close() inside the try: it interrupts the kmod workers
    void whileItsInitRunsAModuleIsComingAndHoldsTheInitReference() throws Exception {
        module("a").exports("s").msleep(600_000).writeTo(dir);

        try (Kernel kernel = Kernel.builder().modules(dir).clock(ClockMode.REAL).timeScale(1.0).build()) {
            assertEquals(0, kernel.requestModuleNowait("a"));
            eventually().until(() -> kernel.state("a").equals(COMING));

            assertEquals(Optional.of("coming"), kernel.initstate("a"));
            ModuleInfo a = kernel.module("a").orElseThrow();
            assertEquals(1, a.refcnt());
            assertEquals("a " + a.size() + " 1 [permanent], Loading 0x0000000000000000\n", kernel.procModules());
            assertEquals("Module                  Size  Used by\n" + String.format("%-19s %8d  %d\n", "a", a.size(), 1),
                    kernel.lsmod());

            kernel.close();
            eventually().until(() -> kernel.state("a").equals(LIVE));
            assertEquals(0, kernel.module("a").orElseThrow().refcnt());
        }
    }

    // ---- files that are not modules ----

    @Test
    void insmodOfAFileThatIsNotAModuleIsEnoexec() throws IOException {
        Path junk = Files.write(dir.resolve("junk.jar"), new byte[] {1, 2, 3, 4});
        Path noName = module("foreign").manifest("Module-Name", null).writeTo(dir);
        Path badName = module("Bad-Name").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(-8, kernel.insmod(junk));
            assertEquals(-8, kernel.insmod(noName));
            assertEquals(-8, kernel.insmod(badName));
            assertEquals(-2, kernel.insmod(dir.resolve("missing.jar")));
            assertEquals(List.of(), kernel.modules());
        }
    }

    @Test
    void aFailedLoadLeavesNothingBehind() throws IOException {
        module("a").exports("s").writeTo(dir);
        Path b = module("b").imports("a", "s").fails(-12).writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            kernel.insmod(dir.resolve("a.jar"));
            String lsmodBefore = kernel.lsmod();
            assertEquals(-12, kernel.insmod(b));

            assertEquals(lsmodBefore, kernel.lsmod());
            assertEquals(0, kernel.module("a").orElseThrow().refcnt());
            assertTrue(kernel.module("b").isEmpty());
        }
    }
}
