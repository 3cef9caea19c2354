package dev.kmodharness.api;

import java.lang.StackWalker.Option;
import java.util.Objects;

/**
 * What a module's code may ask of its kernel: request_module, printk, its parameters, its own
 * name. Every call finds the kernel from the calling class: the class loader of a module's
 * classes is that module's, a {@link HostLoader}, which hands over the module's {@link Host}.
 * Called from anywhere else, the
 * calls throw {@link IllegalStateException}. Holds no state of its own, so many kernels can
 * share one JVM.
 */
public final class Kmod {

    private static final StackWalker STACK = StackWalker.getInstance(Option.RETAIN_CLASS_REFERENCE);

    private Kmod() {
    }

    /**
     * request_module(name): runs modprobe for {@code name} on another thread and waits for it
     * to exit.
     *
     * @return 0 when modprobe succeeded, 256 (its wait status) when it failed, or a negative
     *     errno when no modprobe could be run (-ETIME when all kmod slots stayed busy)
     */
    public static int requestModule(String name) {
        return host().requestModule(Objects.requireNonNull(name, "name"), true);
    }

    /** request_module_nowait(name): starts modprobe for {@code name} and returns at once. */
    public static int requestModuleNowait(String name) {
        return host().requestModule(Objects.requireNonNull(name, "name"), false);
    }

    /** printk: appends one line to the kernel's ring buffer (dmesg). */
    public static void printk(String format, Object... args) {
        host().printk(args.length == 0 ? format : String.format(java.util.Locale.ROOT, format, args));
    }

    /** The value given to parameter {@code name} at load time, or null when none was given. */
    public static String param(String name) {
        return host().param(Objects.requireNonNull(name, "name"));
    }

    /** Parameter {@code name} as an int, {@code defaultValue} when not given. */
    public static int param(String name, int defaultValue) {
        String value = host().param(Objects.requireNonNull(name, "name"));
        if (value == null) {
            return defaultValue;
        }
        try {
            return Integer.decode(value.trim());
        } catch (NumberFormatException e) {
            return defaultValue;
        }
    }

    /** THIS_MODULE's name. */
    public static String thisModule() {
        return host().moduleName();
    }

    /**
     * msleep(ms): sleeps for {@code ms} milliseconds of kernel time. Use it instead of
     * {@link Thread#sleep}: the harness sees this wait, so virtual time can advance over it.
     */
    public static void msleep(long ms) {
        if (ms < 0) {
            throw new IllegalArgumentException("negative sleep: " + ms);
        }
        host().msleep(ms);
    }

    /**
     * try_module_get: takes a reference on module {@code name}, which then cannot be unloaded
     * until {@link #modulePut}. Succeeds while it is COMING or LIVE (or built in).
     *
     * @return whether the reference was taken
     */
    public static boolean tryModuleGet(String name) {
        return host().tryModuleGet(Objects.requireNonNull(name, "name"));
    }

    /** module_put: drops a reference taken with {@link #tryModuleGet}. */
    public static void modulePut(String name) {
        host().modulePut(Objects.requireNonNull(name, "name"));
    }

    /**
     * schedule_work: runs {@code work} on a kernel worker thread, soon, without waiting for it.
     * A request_module made there does not hold up this module's init.
     */
    public static void scheduleWork(Runnable work) {
        host().scheduleWork(Objects.requireNonNull(work, "work"), false);
    }

    /**
     * async_schedule: runs {@code work} asynchronously, as driver core does for probing. Unless
     * the module was loaded with {@code async_probe=1}, its init does not finish before all
     * async work has (do_init_module's async_synchronize_full).
     */
    public static void asyncSchedule(Runnable work) {
        host().scheduleWork(Objects.requireNonNull(work, "work"), true);
    }

    /**
     * The Host of the module whose code called into the api: the first class on the stack that
     * is not the api's own (Kmod, JvmExit).
     */
    static Host host() {
        Class<?> caller = STACK.walk(frames -> frames
                .map(StackWalker.StackFrame::getDeclaringClass)
                .filter(c -> c != Kmod.class && c != JvmExit.class && c != Linkage.class)
                .findFirst()
                .orElse(Kmod.class));
        if (caller.getClassLoader() instanceof HostLoader loader) {
            return loader.kmodHost();
        }
        throw new IllegalStateException("Kmod called from " + caller.getName()
                + ", which is not a class of a module loaded by a kmod-harness kernel");
    }

    /**
     * A module's class loader, as the harness makes it: it hands over the module's {@link Host}.
     * Not for plugins: a module's code cannot act as another module, since only the harness's
     * own classes may call {@link #kmodHost()}.
     */
    public interface HostLoader {

        /**
         * The kernel side of this facade for the classes this loader defined.
         *
         * @throws IllegalCallerException when called from module code (or the JDK on its
         *     behalf): no module can get a module's identity
         */
        Host kmodHost();
    }

    /**
     * The kernel side of this facade, one per loaded module. Not for plugins: call the static
     * methods of {@link Kmod} instead.
     */
    public interface Host {

        /** request_module with wait true, request_module_nowait with wait false. */
        int requestModule(String name, boolean wait);

        /** Appends a line to dmesg. */
        void printk(String line);

        /** A parameter's value as given at load time, or null. */
        String param(String name);

        /** The module's name. */
        String moduleName();

        /** Sleeps for ms milliseconds of kernel time. */
        void msleep(long ms);

        /** try_module_get on module {@code name}. */
        boolean tryModuleGet(String name);

        /** module_put on module {@code name}. */
        void modulePut(String name);

        /** schedule_work (async false) or async_schedule (async true). */
        void scheduleWork(Runnable work, boolean async);

        /**
         * panic(): module code called {@code call} ("System.exit(3)"), which would end the JVM.
         * Never returns normally: it throws the Error that ends the calling task (a host that is
         * not a kernel throws IllegalStateException).
         */
        default void panic(String call) {
            throw new IllegalStateException(moduleName() + ": " + call);
        }

        /**
         * Whether this module may link the static method {@code className.method descriptor} of
         * another module, as resolve_symbol would let a static call to it: an exported symbol,
         * not GPL-only unless this module is GPL-compatible. A host that is not a kernel says yes.
         */
        default boolean linkable(String className, String method, String descriptor) {
            return true;
        }
    }
}
