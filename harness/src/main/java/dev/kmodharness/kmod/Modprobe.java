package dev.kmodharness.kmod;

import static dev.kmodharness.api.Errno.EEXIST;
import static dev.kmodharness.api.Errno.ENOENT;

import dev.kmodharness.module.ModuleInfo;
import dev.kmodharness.release.Release;
import dev.kmodharness.symbols.ModuleImage;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * modprobe(8) as the kmod tools run it: looks the module up in the depmod index, inserts its
 * dependencies first and then the module, skipping what is loaded already: built in, LIVE,
 * and on 5.15 COMING ({@link Release#modprobeCountsComingAsLoaded}). Runs on the calling
 * thread; the lines it would print on stderr come back in the {@link Result}.
 */
public final class Modprobe {

    /** What the kernel offers modprobe: the module states and init_module. */
    public interface Target {

        /** Which of {@code names} are built in, LIVE or COMING, by position, read in one look. */
        BitSet loadedAmong(List<String> names);

        boolean isBuiltin(String name);

        /** init_module: 0, or a negative errno. */
        int insmod(ModuleImage image, Map<String, String> params);

        /** The module's refcount and holders, empty when it is not loaded. */
        Optional<ModuleInfo> info(String name);

        /** delete_module: 0, or a negative errno. */
        int rmmod(String name);
    }

    /**
     * modprobe's outcome.
     *
     * @param status its exit status: 0 or 1
     * @param errors the lines it printed on stderr
     */
    public record Result(int status, List<String> errors) {
    }

    private Modprobe() {
    }

    /**
     * {@code modprobe NAME param=value...}. As libkmod's kmod_module_probe_insert_module: nothing
     * to do when NAME is in the kernel already; else each module of its modules.dep list not in
     * the kernel is inserted, dependencies first. The states are read once, for the whole list; a
     * module another task inserts meanwhile gives -EEXIST, which passes. The first insert that
     * fails ends modprobe: one line, naming NAME's module whichever module failed, exit 1.
     */
    public static Result run(Depmod index, Target kernel, String name, Map<String, String> params) {
        String wanted = name.replace('-', '_');
        List<ModuleImage> order = index.loadOrder(wanted); // empty when the index lacks it
        List<String> names = new ArrayList<>(order.size() + 1);
        names.add(wanted);
        order.forEach(image -> names.add(image.name()));
        BitSet loaded = kernel.loadedAmong(names);
        if (loaded.get(0)) {
            return new Result(0, List.of());
        }
        if (order.isEmpty()) {
            return new Result(1, List.of("modprobe: FATAL: Module " + name + " not found in directory " + index.dir()));
        }
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            ModuleImage image = order.get(i);
            if (loaded.get(i + 1)) {
                continue;
            }
            int err = kernel.insmod(image, image.name().equals(wanted) ? params : Map.of());
            if (err == -EEXIST) {
                continue; // loaded meanwhile by someone else: libkmod lets that pass
            }
            if (err < 0) {
                // kmod_module_probe_insert_module stops at the first required module that fails
                // and returns its error; tools/modprobe.c insmod_insert prints it in one line
                // naming the module asked for, kmod_module_get_name(mod), also when a
                // dependency failed (kmod 29 and today's).
                errors.add("modprobe: ERROR: could not insert '" + order.get(order.size() - 1).name() + "': "
                        + describe(err));
                return new Result(1, errors);
            }
        }
        return new Result(0, errors);
    }

    /**
     * {@code modprobe -r NAME}, as kmod's tools/modprobe.c rmmod and rmmod_do_module: a name the
     * index does not know is "not found"; a built-in is refused; a known module that is not
     * loaded is nothing to do (exit 0, silent, without --first-time); one whose refcount is
     * above 0 ("in use": holders, references, or a load still running its init) is refused;
     * else delete_module, whose error libkmod reports (a module already unloading, refcount -1,
     * gets -EBUSY there). Then the modules NAME depended on that nothing uses any more, as the
     * release's kmod removes them ({@link #removeUnusedDependencies}).
     *
     * @param release whose kmod's rules apply where they changed
     */
    public static Result remove(Depmod index, Target kernel, String name, Release release) {
        String wanted = name.replace('-', '_');
        if (index.find(wanted).isEmpty() && !kernel.isBuiltin(wanted)) {
            // kmod_module_new_from_lookup found nothing
            return new Result(1, List.of("modprobe: FATAL: Module " + name + " not found."));
        }
        if (kernel.isBuiltin(wanted)) {
            return new Result(1, List.of("modprobe: FATAL: Module " + wanted + " is builtin."));
        }
        Optional<ModuleInfo> info = kernel.info(wanted);
        if (info.isEmpty()) {
            return new Result(0, List.of());
        }
        if (info.get().refcnt() > 0) {
            return new Result(1, List.of("modprobe: FATAL: Module " + wanted + " is in use."));
        }
        int err = kernel.rmmod(wanted);
        if (err < 0) {
            // kmod_module_remove_module's ERR; rmmod_do_remove_module adds none (no --wait)
            return new Result(1, List.of("modprobe: ERROR: could not remove '" + wanted + "': " + Strerror.of(err)));
        }
        List<String> errors = new ArrayList<>();
        removeUnusedDependencies(index, kernel, wanted, release.modprobeRemoveRecursesIntoDependencies(), errors);
        return new Result(0, errors);
    }

    /**
     * "Other modules that became unused: errors are non-fatal": each module of {@code name}'s
     * modules.dep list, in load order (kmod_module_get_dependencies), whose refcnt reads 0 when
     * its turn comes is removed; a refusal is libkmod's line, and modprobe still exits 0. A
     * built-in or a module not loaded has no refcnt to read and is skipped. With
     * {@code recurse} (kmod 29) each module removed has its own list done the same way.
     */
    private static void removeUnusedDependencies(Depmod index, Target kernel, String name, boolean recurse,
            List<String> errors) {
        for (ModuleImage dep : index.loadOrder(name)) {
            if (dep.name().equals(name)) {
                continue;
            }
            Optional<ModuleInfo> info = kernel.info(dep.name());
            if (info.isEmpty() || info.get().builtin() || info.get().refcnt() != 0) {
                continue;
            }
            int err = kernel.rmmod(dep.name());
            if (err < 0) {
                errors.add("modprobe: ERROR: could not remove '" + dep.name() + "': " + Strerror.of(err));
            }
            if (recurse) {
                removeUnusedDependencies(index, kernel, dep.name(), true, errors);
            }
        }
    }

    /** modprobe's words for an insert error: its own for -ENOENT, strerror for the rest. */
    static String describe(int err) {
        if (err == -ENOENT) {
            return "Unknown symbol in module, or unknown parameter (see dmesg)";
        }
        return Strerror.of(err);
    }
}
