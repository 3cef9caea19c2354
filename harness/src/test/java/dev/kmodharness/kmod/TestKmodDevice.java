package dev.kmodharness.kmod;

import dev.kmodharness.Kernel;
import dev.kmodharness.module.ModuleState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

/**
 * lib/test_kmod.c's test device (/sys/devices/virtual/misc/test_kmod0) on a harness kernel:
 * the same configuration knobs with the same reset values, and the same trigger. A trigger
 * starts {@code num_threads} threads that each call request_module(test_driver) (case
 * TEST_KMOD_DRIVER) or get_fs_type(test_fs) (case TEST_KMOD_FS_TYPE) once, waits for all of
 * them, and then tallies as tally_up_work() does.
 *
 * <p>Each of test_kmod's kthreads is a real Java thread calling {@link Kernel#requestModule}; the
 * threads all wait at a barrier first, so their requests start together. A trigger is driven
 * from one test thread at a time, as test_kmod's trigger_mutex makes it.
 *
 * <h2>get_fs_type</h2>
 * fs/filesystems.c's get_fs_type(name) looks the file system up (__get_fs_type: a registered
 * file_system_type whose owner try_module_get accepts) and, when it is not there, calls
 * {@code request_module("fs-%.*s", len, name)} (name up to its first '.') and looks again; a
 * name with a '.' also needs FS_HAS_SUBTYPE, which no file system here has. A real file-system
 * module is found through its {@code MODULE_ALIAS_FS("xfs")}, the alias {@code fs-xfs}. The
 * harness has no aliases, but reads {@code -} in a requested name as {@code _}, so here the
 * module of file system X is named {@code fs_X}: it answers request_module("fs-X"). Its init
 * stands for register_filesystem() as its first step (and its exit for
 * unregister_filesystem()), so file system X is registered exactly while module {@code fs_X} is
 * COMING or LIVE, which are also the states try_module_get() accepts. {@link #getFsType} checks
 * that. The reference get_fs_type takes is put back by test_kmod at once
 * (test_kmod_put_module()); test code cannot take module references, so this model takes none.
 */
final class TestKmodDevice {

    /** TEST_START_NUM_THREADS: num_threads after a reset (no get_kmod_umh_limit upstream). */
    static final int TEST_START_NUM_THREADS = 50;
    /** TEST_START_DRIVER. */
    static final String TEST_START_DRIVER = "test_module";
    /** TEST_START_TEST_FS. */
    static final String TEST_START_TEST_FS = "xfs";

    /** -EINVAL: what tally_work_test() makes of a get_fs_type() that returned NULL. */
    static final int EINVAL_RESULT = -22;

    /** enum kmod_test_case (config_test_case: 1 driver, 2 fs). */
    enum TestCase {
        TEST_KMOD_DRIVER,
        TEST_KMOD_FS_TYPE
    }

    private final Kernel kernel;

    private String testDriver;
    private String testFs;
    private int numThreads;
    private TestCase testCase;
    private int testResult;
    /** What tally_work_test() returned for each thread of the last trigger, by thread index. */
    private int[] threadResults = new int[0];

    TestKmodDevice(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        reset();
    }

    /** echo 1 > reset: __kmod_config_init(). */
    void reset() {
        testDriver = TEST_START_DRIVER;
        testFs = TEST_START_TEST_FS;
        numThreads = TEST_START_NUM_THREADS;
        testResult = 0;
        testCase = TestCase.TEST_KMOD_DRIVER;
    }

    /** config_test_driver (printf '\000' stores the empty string: kstrndup stops at the NUL). */
    void setDriver(String driver) {
        testDriver = Objects.requireNonNull(driver, "driver");
    }

    /** config_test_fs. */
    void setFs(String fs) {
        testFs = Objects.requireNonNull(fs, "fs");
    }

    /** config_num_threads. */
    void setNumThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("num_threads: " + threads);
        }
        numThreads = threads;
    }

    /** config_test_case. */
    void setTestCase(TestCase test) {
        testCase = Objects.requireNonNull(test, "test");
    }

    int numThreads() {
        return numThreads;
    }

    /** cat test_result: what the last trigger's tally_up_work() stored. */
    int testResult() {
        return testResult;
    }

    /** Each thread's tally_work_test() value of the last trigger, by thread index. */
    List<Integer> threadResults() {
        return Arrays.stream(threadResults).boxed().toList();
    }

    /**
     * echo 1 > trigger_config: try_requests() then tally_up_work(). Returns once every thread
     * has run (wait_for_completion(&kthreads_done)).
     *
     * @throws AssertionError when a thread failed with an exception
     */
    void trigger() throws InterruptedException {
        int n = numThreads;
        TestCase test = testCase;
        String driver = testDriver;
        String fs = testFs;
        int[] results = new int[n];
        CyclicBarrier start = new CyclicBarrier(n);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>(n);
        for (int idx = 0; idx < n; idx++) {
            int thread = idx;
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    results[thread] = runRequest(test, driver, fs);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "test_kmod-" + idx);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("a test_kmod thread failed", failure.get());
        }
        threadResults = results;
        testResult = tallyUpWork(results);
    }

    /** run_request() then tally_work_test() for one thread. */
    private int runRequest(TestCase test, String driver, String fs) {
        switch (test) {
            case TEST_KMOD_DRIVER:
                // Only errors count: a non-zero request_module() result is the thread's result.
                return kernel.requestModule(driver);
            case TEST_KMOD_FS_TYPE:
                return getFsType(kernel, fs).isPresent() ? 0 : EINVAL_RESULT;
            default:
                throw new IllegalStateException("test case " + test);
        }
    }

    /**
     * tally_up_work(): walks the threads in index order and keeps the last non-zero result, so
     * a later success never hides an error; 0 when all succeeded.
     */
    static int tallyUpWork(int[] results) {
        int err = 0;
        for (int ret : results) {
            if (ret != 0) {
                err = ret;
            }
        }
        return err;
    }

    /**
     * get_fs_type(name) on {@code kernel}, as fs/filesystems.c does it (see the class comment).
     *
     * @return the name of the module owning the file system, empty for NULL
     */
    static Optional<String> getFsType(Kernel kernel, String name) {
        int dot = name.indexOf('.');
        String fs = dot < 0 ? name : name.substring(0, dot);
        Optional<String> found = findFilesystem(kernel, fs);
        if (found.isEmpty() && kernel.requestModule("fs-" + fs) == 0) {
            found = findFilesystem(kernel, fs);
        }
        if (dot >= 0 && found.isPresent()) {
            return Optional.empty(); // put_filesystem(): no file system here has FS_HAS_SUBTYPE
        }
        return found;
    }

    /** __get_fs_type(): file system {@code fs} registered and its owner gettable. */
    private static Optional<String> findFilesystem(Kernel kernel, String fs) {
        if (fs.isEmpty()) {
            return Optional.empty(); // register_filesystem() of an empty name: none
        }
        String owner = fsModule(fs);
        Optional<ModuleState> state = kernel.state(owner);
        boolean registered = state.isPresent()
                && (state.get() == ModuleState.COMING || state.get() == ModuleState.LIVE);
        return registered ? Optional.of(owner) : Optional.empty();
    }

    /** The module of file system {@code fs}: the one answering request_module("fs-" + fs). */
    static String fsModule(String fs) {
        return ("fs-" + fs).replace('-', '_');
    }
}
