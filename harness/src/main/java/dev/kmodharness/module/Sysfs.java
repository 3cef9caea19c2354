package dev.kmodharness.module;

import dev.kmodharness.timing.InitRecord;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

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
        k.sched.lock();
        try {
            Module mod = k.find(name);
            return mod == null || mod.state == ModuleState.UNFORMED ? Optional.empty() : Optional.of(mod.state);
        } finally {
            k.sched.unlock();
        }
    }

    /**
     * Which of {@code names} modprobe counts as loaded (built in, LIVE or COMING), by position.
     * One look at the module list under the kernel lock, however many names (a modprobe's whole
     * dependency list).
     */
    BitSet loadedAmong(List<String> names) {
        BitSet loaded = new BitSet(names.size());
        k.sched.lock();
        try {
            for (int i = 0; i < names.size(); i++) {
                Module mod = k.find(names.get(i));
                if (mod != null && (mod.state == ModuleState.LIVE || mod.state == ModuleState.COMING)) {
                    loaded.set(i);
                }
            }
        } finally {
            k.sched.unlock();
        }
        return loaded;
    }

    /** Whether {@code name} is built in. */
    boolean isBuiltin(String name) {
        k.sched.lock();
        try {
            return k.builtins.containsKey(name);
        } finally {
            k.sched.unlock();
        }
    }

    /** Snapshot of the module list as /proc/modules shows it: formed modules, newest first. */
    List<ModuleInfo> list() {
        k.sched.lock();
        try {
            List<ModuleInfo> infos = new ArrayList<>();
            for (Module mod : k.list.values()) {
                if (mod.state != ModuleState.UNFORMED) {
                    infos.add(0, mod.info());
                }
            }
            return infos;
        } finally {
            k.sched.unlock();
        }
    }

    /** Snapshot of one module, built-ins included (/sys/module/NAME). */
    Optional<ModuleInfo> info(String name) {
        k.sched.lock();
        try {
            Module mod = k.find(name);
            return mod == null || mod.state == ModuleState.UNFORMED ? Optional.empty() : Optional.of(mod.info());
        } finally {
            k.sched.unlock();
        }
    }

    /** The class loader of module {@code name}, built-ins included, while it is formed. */
    Optional<ClassLoader> classLoader(String name) {
        k.sched.lock();
        try {
            Module mod = k.find(name);
            return mod == null ? Optional.empty() : Optional.ofNullable(mod.loader);
        } finally {
            k.sched.unlock();
        }
    }

    /** The init records of this boot, in load order. */
    List<InitRecord> timings() {
        k.sched.lock();
        try {
            return k.timings.snapshot();
        } finally {
            k.sched.unlock();
        }
    }
}
