package dev.kmodharness.release;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The kernel release (and the kmod of its time) whose rules the harness follows where they
 * changed: the seed's Linux 5.15 with the kmod of 2021 (the default), or the 6.12 LTS with
 * today's kmod. Each rule below names the commit that changed it.
 */
public enum Release {
    /** Linux 5.15 (the seed's, 2021) with kmod 29. */
    V5_15("5.15", "5.15.0"),
    /** Linux 6.12 LTS with today's kmod (34). */
    V6_12("6.12", "6.12.0");

    private final String version;
    private final String uname;

    Release(String version, String uname) {
        this.version = version;
        this.uname = uname;
    }

    /** The release as {@code --kernel} takes it: 5.15, 6.12. */
    public String version() {
        return version;
    }

    /** {@code uname -r}. */
    public String uname() {
        return uname;
    }

    /**
     * @throws IllegalArgumentException for a release the harness does not model
     */
    public static Release of(String version) {
        for (Release r : values()) {
            if (r.version.equals(version)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown kernel release " + version + " (known: "
                + Arrays.stream(values()).map(Release::version).collect(Collectors.joining(", ")) + ")");
    }

    /**
     * do_init_module calls async_synchronize_full only when the loading task itself queued
     * async work during init (PF_USED_ASYNC), from commit 774a1221e862 ("module, async:
     * async_synchronize_full() on module init iff async is used", v3.8) until its revert,
     * 67d6212afda2 (v5.17, 2022), after which every init without async_probe waits for all
     * async work. 5.15 as the seed ran it (5.15.0) has the PF_USED_ASYNC test.
     */
    public boolean syncAsyncOnlyIfInitQueuedAsync() {
        return this == V5_15;
    }

    /**
     * calc_index rounds {@code (expires + LVL_GRAN(lvl)) >> LVL_SHIFT(lvl)} up to 5.18 and
     * {@code (expires >> LVL_SHIFT(lvl)) + 1} since a2026e44eff5 ("timers: Simplify
     * calc_index()", v5.19). The two agree wherever expires + LVL_GRAN does not overflow.
     */
    public boolean simplifiedCalcIndex() {
        return this != V5_15;
    }

    /**
     * add_unformed_module: on 5.15 a load of a name whose first load is not LIVE waits until
     * that one is LIVE or gone and tries again (a name gone is loaded afresh); since
     * "module: Don't wait for GOING modules" (Petr Pavlu, v6.2, later backported to 5.15.y) and
     * module_patient_check_exists a load that found the name loading gets -EEXIST if it went
     * LIVE, else -EBUSY, and a GOING one is not waited for.
     */
    public boolean sameNameLoadRetries() {
        return this == V5_15;
    }

    /**
     * finit_module of a file another finit_module is loading waits for that load and returns
     * its result (idempotent_init_module), since 9b9879fc0327 ("modules: catch concurrent
     * module loads, treat them as idempotent", v6.5).
     */
    public boolean idempotentSameFileLoads() {
        return this != V5_15;
    }

    /**
     * modprobe counts a dependency whose initstate is coming as loaded on the seed's setup (the
     * seed's dmesg shows it go straight on to kvmgt); today's libkmod counts only live and
     * builtin (module_is_inkernel) and inserts a coming dependency again, which the kernel
     * makes wait with no timeout.
     */
    public boolean modprobeCountsComingAsLoaded() {
        return this == V5_15;
    }

    /**
     * modprobe -r, once NAME is removed, removes each module of NAME's modules.dep list (in
     * load order) whose refcnt reads 0. kmod 29 does it in rmmod_do_remove_module, which does the
     * same for each dependency it removes: every module left unused goes. kmod 30 moved it into
     * rmmod_do_module ("modprobe: Make rmmod_do_module() contain all the removal sequence",
     * 2022), one pass over the list: a dependency whose last user comes later in the list is
     * still in use when its turn comes, and stays loaded.
     */
    public boolean modprobeRemoveRecursesIntoDependencies() {
        return this == V5_15;
    }

    /**
     * inherit_taint names the symbol in its messages since 8eac910a4934 ("module: show
     * disallowed symbol name for inherit_taint()", v5.19).
     */
    public boolean inheritTaintNamesSymbol() {
        return this != V5_15;
    }

    /**
     * print_modules ends with {@code [last unloaded: NAME]}; since 6f1dae1d84b6 ("module: Show
     * the last unloaded module's taint flag(s)", v6.0) delete_module also keeps the module's
     * module_flags(mod, buf, false), {@code [last unloaded: NAME(P)]}.
     */
    public boolean lastUnloadedShowsTaints() {
        return this != V5_15;
    }

    /**
     * taint_flags[] of kernel/panic.c, which print_tainted() prints one column each: 18 flags
     * in 5.15 (P to T), 19 since TAINT_TEST, 'N' ("panic: Taint kernel if tests are run", v6.0).
     */
    public String taintFlags() {
        return this == V5_15 ? "PFSRMBUDAWCIOELKXT" : "PFSRMBUDAWCIOELKXTN";
    }

    /** Where __request_module lives: kernel/kmod.c, since 2023 kernel/module/kmod.c. */
    public String kmodSource() {
        return this == V5_15 ? "kernel/kmod.c" : "kernel/module/kmod.c";
    }
}
