package dev.kmodharness.module;

import dev.kmodharness.timing.InitRecord;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What user space reads about modules, each a snapshot taken under the kernel lock: the list
 * of kernel/module/procfs.c (/proc/modules), one module as kernel/module/sysfs.c shows it
 * (/sys/module/NAME), and the init records (the harness's load statistics). The procfs
 * package formats them.
 */
final class Sysfs {

    private final ModuleList k;

    Sysfs(ModuleList k) {
        this.k = k;
    }

    /** The state of module {@code name}; built-ins are LIVE once booted. */
    Optional<ModuleState> state(String name) {
        return locked(() -> formed(name).map(mod -> mod.state));
    }

    /**
     * Which of {@code names} modprobe counts as loaded, by position: built in, LIVE, and on
     * 5.15 COMING (see {@link dev.kmodharness.release.Release#modprobeCountsComingAsLoaded}).
     * One look at the module list under the kernel lock, however many names (a modprobe's whole
     * dependency list).
     */
    BitSet loadedAmong(List<String> names) {
        return locked(() -> {
            BitSet loaded = new BitSet(names.size());
            for (int i = 0; i < names.size(); i++) {
                Module mod = k.find(names.get(i));
                if (mod != null && (mod.state == ModuleState.LIVE
                        || (mod.state == ModuleState.COMING && k.release.modprobeCountsComingAsLoaded()))) {
                    loaded.set(i);
                }
            }
            return loaded;
        });
    }

    /** Whether {@code name} is built in. */
    boolean isBuiltin(String name) {
        return locked(() -> k.builtins.containsKey(name));
    }

    /** Snapshot of the module list as /proc/modules shows it: formed modules, newest first. */
    List<ModuleInfo> list() {
        return locked(() -> {
            List<ModuleInfo> infos = new ArrayList<>();
            for (Module mod : k.list.values()) {
                if (mod.state != ModuleState.UNFORMED) {
                    infos.add(0, mod.info());
                }
            }
            return infos;
        });
    }

    /** Snapshot of one module, built-ins included (/sys/module/NAME). */
    Optional<ModuleInfo> info(String name) {
        return locked(() -> formed(name).map(Module::info));
    }

    /** The class loader of module {@code name}, built-ins included, while it is formed. */
    Optional<ClassLoader> classLoader(String name) {
        return locked(() -> Optional.ofNullable(k.find(name)).map(mod -> mod.loader));
    }

    /** The init records of this boot, in load order. */
    List<InitRecord> timings() {
        return locked(() -> k.timings.snapshot());
    }

    /** Module {@code name} past UNFORMED, built-ins included. Caller holds the kernel lock. */
    private Optional<Module> formed(String name) {
        Module mod = k.find(name);
        return mod == null || mod.state == ModuleState.UNFORMED ? Optional.empty() : Optional.of(mod);
    }

    /** {@code read}, under the kernel lock (the scheduler's, which guards the module list). */
    private <T> T locked(Supplier<T> read) {
        k.sched.lock();
        try {
            return read.get();
        } finally {
            k.sched.unlock();
        }
    }
}
