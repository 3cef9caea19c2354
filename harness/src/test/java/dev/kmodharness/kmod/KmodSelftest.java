package dev.kmodharness.kmod;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static dev.kmodharness.kmod.TestKmodDevice.TestCase.TEST_KMOD_FS_TYPE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.module.ModuleInfo;
import dev.kmodharness.module.ModuleState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel's own kmod selftests, tools/testing/selftests/kmod/kmod.sh driving lib/test_kmod.c,
 * cases 0001 to 0011, against the harness. {@link TestKmodDevice} is test_kmod's device (its
 * knobs, its N request threads, its tally); each test here is the kmod.sh function of the same
 * name, run as many times as kmod.sh's ALL_TESTS says:
 *
 * <pre>
 * 0001:3  0002:3  0003:1  0004:1  0005:10  0006:10  0007:5  0008:150  0009:150  0010:1  0011:1
 * </pre>
 *
 * (kmod.sh's 0001 runs kmod_test_0001_driver then kmod_test_0001_fs, 3 times; here each of the
 * two is a test of its own, run 3 times; likewise 0002.) 0012 and 0013 check that module
 * addresses are hidden from readers without CAP_SYSLOG; the harness models no capabilities, so
 * they are not ported.
 *
 * <p>One kernel per test method (per case), kept across the case's repetitions as kmod.sh keeps
 * its machine. Each repetition begins, as kmod.sh's kmod_defaults_driver / kmod_defaults_fs do,
 * with a reset of the test device and {@code modprobe -r} of the module, so every repetition
 * loads the module afresh (and it is asserted loaded exactly once per repetition, however many
 * threads asked for it). The modules directory holds kmod.sh's defaults: DEFAULT_KMOD_DRIVER
 * {@code test_module} (lib/test_module.c: its init prints "Hello, world") and the module of
 * DEFAULT_KMOD_FS {@code xfs}.
 *
 * <p><b>File systems.</b> get_fs_type("xfs") asks for {@code request_module("fs-xfs")}, which
 * the kernel's modprobe resolves through xfs's {@code MODULE_ALIAS_FS("xfs")} (alias
 * {@code fs-xfs}). The harness has no module aliases but reads {@code -} in a requested name as
 * {@code _}, so the module of file system xfs is named {@code fs_xfs} here: it answers
 * request_module("fs-xfs"), and {@code modprobe -r xfs} becomes {@code modprobe -r fs_xfs}. Its
 * init stands for register_filesystem(), so xfs is registered while fs_xfs is COMING or LIVE;
 * see {@link TestKmodDevice#getFsType}.
 *
 * <p>Results are checked as kmod.sh's config_expect_result does (the device's test_result:
 * SUCCESS 0, MODULE_NOT_FOUND 256, -EINVAL, -ENOENT) and, more strictly, thread by thread.
 */
@Timeout(120) // a hang guard only: the whole class runs in a few seconds
class KmodSelftest {

    /** kmod.sh's allow_user_defaults(). */
    private static final String DEFAULT_KMOD_DRIVER = "test_module";
    private static final String DEFAULT_KMOD_FS = "xfs";
    /** MODPROBE_LIMIT: kmod_concurrent_max, 50 in the kernel (and the harness's default). */
    private static final int MODPROBE_LIMIT = 50;
    /** The modprobe path kmod.sh restores after 0010 and 0011. */
    private static final String MODPROBE = KmodRequests.MODPROBE_PATH;

    /** errno_name_to_val. */
    private static final int SUCCESS = 0;
    private static final int MODULE_NOT_FOUND = 256;
    private static final int EINVAL = -22;
    private static final int ENOENT = -2;

    private static final String FS_MODULE = TestKmodDevice.fsModule(DEFAULT_KMOD_FS);
    private static final String DRIVER_INIT_LINE = DEFAULT_KMOD_DRIVER + ": Hello, world";
    private static final String FS_INIT_LINE = FS_MODULE + ": register_filesystem " + DEFAULT_KMOD_FS;

    @TempDir
    Path dir;

    /** Repetitions done so far in the current test, of the driver and of the fs case. */
    private int driverLoads;
    private int fsLoads;

    @BeforeEach
    void modulesDirectory() {
        // lib/test_module.c
        plugin(DEFAULT_KMOD_DRIVER).license("GPL").printk(DRIVER_INIT_LINE).exit().writeTo(dir);
        // xfs with MODULE_ALIAS_FS("xfs"), as the harness can name it (see the class comment)
        plugin(FS_MODULE).license("GPL").printk(FS_INIT_LINE).exit().writeTo(dir);
        driverLoads = 0;
        fsLoads = 0;
    }

    // ---- the cases ----

    @Test
    void kmod_test_0001_driver() throws Exception {
        try (Kernel kernel = boot(MODPROBE)) {
            TestKmodDevice dev = new TestKmodDevice(kernel);
            testCase(3, () -> {
                kmodDefaultsDriver(kernel, dev);
                dev.setNumThreads(1);
                dev.setDriver(""); // printf '\000' > config_test_driver
                dev.trigger();
                configExpectResult(kernel, dev, "kmod_test_0001_driver", MODULE_NOT_FOUND);
                assertNothingLoaded(kernel);
            });
        }
    }

    @Test
    void kmod_test_0001_fs() throws Exception {
        try (Kernel kernel = boot(MODPROBE)) {
            TestKmodDevice dev = new TestKmodDevice(kernel);
            testCase(3, () -> {
                kmodDefaultsFs(kernel, dev);
                dev.setNumThreads(1);
                dev.setFs(""); // printf '\000' > config_test_fs: request_module("fs-") fails
                dev.trigger();
                configExpectResult(kernel, dev, "kmod_test_0001_fs", EINVAL);
                assertNothingLoaded(kernel);
            });
        }
    }

    @Test
    void kmod_test_0002_driver() throws Exception {
        try (Kernel kernel = boot(MODPROBE)) {
            TestKmodDevice dev = new TestKmodDevice(kernel);
            testCase(3, () -> {
                kmodDefaultsDriver(kernel, dev);
                dev.setDriver("nope-" + DEFAULT_KMOD_DRIVER);
                dev.setNumThreads(1);
                dev.trigger();
                configExpectResult(kernel, dev, "kmod_test_0002_driver", MODULE_NOT_FOUND);
                assertNothingLoaded(kernel);
            });
        }
    }

    @Test
    void kmod_test_0002_fs() throws Exception {
        try (Kernel kernel = boot(MODPROBE)) {
            TestKmodDevice dev = new TestKmodDevice(kernel);
            testCase(3, () -> {
                kmodDefaultsFs(kernel, dev);
                dev.setFs("nope-" + DEFAULT_KMOD_FS);
                // kmod.sh sets no thread count here: the reset's 50 threads
                assertEquals(TestKmodDevice.TEST_START_NUM_THREADS, dev.numThreads());
                dev.trigger();
                configExpectResult(kernel, dev, "kmod_test_0002_fs", EINVAL);
                assertNothingLoaded(kernel);
            });
        }
    }

    @Test
    void kmod_test_0003() throws Exception {
        try (Kernel kernel = boot(MODPROBE)) {
            TestKmodDevice dev = new TestKmodDevice(kernel);
            testCase(1, () -> {
                kmodDefaultsFs(kernel, dev);
                dev.setNumThreads(1);
                dev.trigger();
                configExpectResult(kernel, dev, "kmod_test_0003", SUCCESS);
                assertFsLoadedOncePerRun(kernel);
            });
        }
    }

    @Test
    void kmod_test_0004() throws Exception {
        try (Kernel kernel = boot(MODPROBE)) {
            TestKmodDevice dev = new TestKmodDevice(kernel);
            testCase(1, () -> {
                kmodDefaultsFs(kernel, dev);
                dev.setNumThreads(2);
                dev.trigger();
                configExpectResult(kernel, dev, "kmod_test_0004", SUCCESS);
                assertFsLoadedOncePerRun(kernel);
            });
        }
    }

    @Test
    void kmod_test_0005() throws Exception {
        try (Kernel kernel = boot(MODPROBE)) {
            TestKmodDevice dev = new TestKmodDevice(kernel);
            testCase(10, () -> kmodTest0005(kernel, dev));
        }
    }

    @Test
    void kmod_test_0006() throws Exception {
        try (Kernel kernel = boot(MODPROBE)) {
            TestKmodDevice dev = new TestKmodDevice(kernel);
            testCase(10, () -> kmodTest0006(kernel, dev));
        }
    }

    @Test
    void kmod_test_0007() throws Exception {
        try (Kernel kernel = boot(MODPROBE)) {
            TestKmodDevice dev = new TestKmodDevice(kernel);
            testCase(5, () -> {
                kmodTest0005(kernel, dev);
                kmodTest0006(kernel, dev);
            });
        }
    }

    @Test
    void kmod_test_0008() throws Exception {
        try (Kernel kernel = boot(MODPROBE)) {
            TestKmodDevice dev = new TestKmodDevice(kernel);
            testCase(150, () -> {
                kmodDefaultsDriver(kernel, dev);
                configNumThreadLimitExtra(dev, MODPROBE_LIMIT / 6);
                assertEquals(58, dev.numThreads());
                dev.trigger();
                // every one of the 58 threads got 0: those past the limit waited for a slot
                configExpectResult(kernel, dev, "kmod_test_0008", SUCCESS);
                assertDriverLoadedOncePerRun(kernel);
            });
        }
    }

    @Test
    void kmod_test_0009() throws Exception {
        try (Kernel kernel = boot(MODPROBE)) {
            TestKmodDevice dev = new TestKmodDevice(kernel);
            testCase(150, () -> {
                kmodDefaultsFs(kernel, dev);
                configNumThreadLimitExtra(dev, MODPROBE_LIMIT / 4);
                assertEquals(62, dev.numThreads());
                dev.trigger();
                configExpectResult(kernel, dev, "kmod_test_0009", SUCCESS);
                assertFsLoadedOncePerRun(kernel);
            });
        }
    }

    @Test
    void kmod_test_0010() throws Exception {
        // echo "/KMOD_TEST_NONEXISTENT" > /proc/sys/kernel/modprobe
        try (Kernel kernel = boot("/KMOD_TEST_NONEXISTENT")) {
            TestKmodDevice dev = new TestKmodDevice(kernel);
            testCase(1, () -> {
                kmodDefaultsDriver(kernel, dev);
                dev.setNumThreads(1);
                dev.trigger();
                configExpectResult(kernel, dev, "kmod_test_0010", ENOENT);
                assertNothingLoaded(kernel);
            });
        }
    }

    @Test
    void kmod_test_0011() throws Exception {
        // echo > /proc/sys/kernel/modprobe: autoloading disabled, modprobe not even tried
        try (Kernel kernel = boot("")) {
            TestKmodDevice dev = new TestKmodDevice(kernel);
            testCase(1, () -> {
                kmodDefaultsDriver(kernel, dev);
                dev.setNumThreads(1);
                dev.trigger();
                configExpectResult(kernel, dev, "kmod_test_0011", ENOENT);
                assertNothingLoaded(kernel);
            });
        }
    }

    // ---- kmod.sh's functions ----

    private void kmodTest0005(Kernel kernel, TestKmodDevice dev) throws Exception {
        kmodDefaultsDriver(kernel, dev);
        assertEquals(TestKmodDevice.TEST_START_NUM_THREADS, dev.numThreads());
        dev.trigger();
        configExpectResult(kernel, dev, "kmod_test_0005", SUCCESS);
        assertDriverLoadedOncePerRun(kernel);
    }

    private void kmodTest0006(Kernel kernel, TestKmodDevice dev) throws Exception {
        kmodDefaultsFs(kernel, dev);
        assertEquals(TestKmodDevice.TEST_START_NUM_THREADS, dev.numThreads());
        dev.trigger();
        configExpectResult(kernel, dev, "kmod_test_0006", SUCCESS);
        assertFsLoadedOncePerRun(kernel);
    }

    /** config_reset; modprobe -r $DEFAULT_KMOD_DRIVER; config_set_driver $DEFAULT_KMOD_DRIVER. */
    private static void kmodDefaultsDriver(Kernel kernel, TestKmodDevice dev) {
        dev.reset();
        modprobeRemove(kernel, DEFAULT_KMOD_DRIVER);
        dev.setDriver(DEFAULT_KMOD_DRIVER);
    }

    /** config_reset; modprobe -r $DEFAULT_KMOD_FS; config_set_fs; config_set_test_case_fs. */
    private static void kmodDefaultsFs(Kernel kernel, TestKmodDevice dev) {
        dev.reset();
        modprobeRemove(kernel, FS_MODULE);
        dev.setFs(DEFAULT_KMOD_FS);
        dev.setTestCase(TEST_KMOD_FS_TYPE);
    }

    /** modprobe -r: the module is gone afterwards, whether it was loaded or not. */
    private static void modprobeRemove(Kernel kernel, String module) {
        boolean loaded = kernel.state(module).isPresent();
        Modprobe.Result removed = kernel.modprobeRemove(module);
        if (loaded) {
            assertEquals(0, removed.status(), () -> "modprobe -r " + module + ": " + removed.errors());
        }
        assertEquals(Optional.empty(), kernel.state(module), () -> module + " still loaded after modprobe -r");
    }

    /** config_num_thread_limit_extra: num_threads = MODPROBE_LIMIT + extra. */
    private static void configNumThreadLimitExtra(TestKmodDevice dev, int extra) {
        dev.setNumThreads(MODPROBE_LIMIT + extra);
    }

    /**
     * config_expect_result: the device's test_result is the expected value; and, stricter than
     * kmod.sh, every thread's own result is.
     */
    private static void configExpectResult(Kernel kernel, TestKmodDevice dev, String test, int expected) {
        assertEquals(expected, dev.testResult(), () -> test + ": FAIL, test expects " + expected + " - got "
                + dev.testResult() + "\nthreads: " + dev.threadResults() + "\n" + dmesgTail(kernel));
        assertEquals(Collections.nCopies(dev.numThreads(), expected), dev.threadResults(),
                () -> test + ": per-thread results\n" + dmesgTail(kernel));
    }

    // ---- what must hold of the kernel after a run ----

    private static void assertNothingLoaded(Kernel kernel) {
        assertEquals(List.of(), kernel.modules().stream().map(ModuleInfo::name).toList(), kernel::procModules);
    }

    /** test_module is LIVE, and its init ran once per repetition so far. */
    private void assertDriverLoadedOncePerRun(Kernel kernel) {
        driverLoads++;
        assertEquals(Optional.of(ModuleState.LIVE), kernel.state(DEFAULT_KMOD_DRIVER));
        assertEquals(driverLoads, count(kernel, DRIVER_INIT_LINE), () -> dmesgTail(kernel));
        assertNoKmodBusy(kernel);
    }

    /** fs_xfs is LIVE, and its init ran once per repetition so far. */
    private void assertFsLoadedOncePerRun(Kernel kernel) {
        fsLoads++;
        assertEquals(Optional.of(ModuleState.LIVE), kernel.state(FS_MODULE));
        assertEquals(fsLoads, count(kernel, FS_INIT_LINE), () -> dmesgTail(kernel));
        assertNoKmodBusy(kernel);
    }

    private static void assertNoKmodBusy(Kernel kernel) {
        assertTrue(kernel.dmesgRecords().stream().noneMatch(r -> r.text().contains("kmod busy")),
                () -> dmesgTail(kernel));
    }

    private static long count(Kernel kernel, String line) {
        return kernel.dmesgRecords().stream().map(Dmesg.Record::text).filter(line::equals).count();
    }

    private static String dmesgTail(Kernel kernel) {
        List<String> lines = kernel.dmesg();
        return "dmesg (last lines):\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    // ---- plumbing ----

    private Kernel boot(String modprobePath) throws IOException {
        return Kernel.builder()
                .modules(dir)
                .kmodConcurrentMax(MODPROBE_LIMIT)
                .modprobePath(modprobePath)
                .build();
    }

    /** A kmod.sh test function. */
    @FunctionalInterface
    private interface Run {
        void run() throws Exception;
    }

    /** test_case: runs the test function {@code count} times. */
    private static void testCase(int count, Run test) throws Exception {
        for (int i = 0; i < count; i++) {
            test.run();
        }
    }
}
