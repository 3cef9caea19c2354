package dev.kmodharness.generate;

import dev.kmodharness.api.Kmod;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

/**
 * The plain JVM plugin system the load benchmark compares the harness with: one
 * {@link URLClassLoader} per JAR, delegating a class of another JAR's exported package
 * ({@code Module-Exports}) to that JAR's loader by a package map, and JDK and api classes to the
 * application class loader. No COMING gate, no symbol table, no kernel: loading a module is
 * initializing its {@code Module-Init} class, in the order given. {@code Kmod.requestModule}
 * initializes the requested module's init class at once; {@code requestModuleNowait} does
 * nothing (the caller loads every module anyway). For benchmarks.
 */
public final class Baseline implements AutoCloseable {

    private final List<PlainLoader> loaders = new ArrayList<>();
    private final Map<String, PlainLoader> byName = new HashMap<>();
    private final Map<String, PlainLoader> exporters = new ConcurrentHashMap<>();
    private final List<String> initialized = java.util.Collections.synchronizedList(new ArrayList<>());

    private Baseline() {
    }

    /**
     * Opens every JAR (its manifest), makes its class loader, then initializes each init class
     * in the order of {@code jars} (a dependency order).
     *
     * @throws IOException when a JAR cannot be read
     * @throws IllegalStateException when an init fails
     */
    public static Baseline load(List<Path> jars) throws IOException {
        Baseline baseline = open(jars);
        for (PlainLoader loader : baseline.loaders) {
            baseline.init(loader);
        }
        return baseline;
    }

    /**
     * Opens every JAR (its manifest) and makes its class loader, running no init: then
     * {@link #initialize} each module, from any number of threads.
     *
     * @throws IOException when a JAR cannot be read
     */
    public static Baseline open(List<Path> jars) throws IOException {
        Baseline baseline = new Baseline();
        ClassLoader parent = Baseline.class.getClassLoader();
        for (Path jar : jars) {
            Attributes main;
            try (JarFile file = new JarFile(jar.toFile(), false)) {
                main = file.getManifest().getMainAttributes();
            }
            PlainLoader loader = new PlainLoader(baseline, main.getValue("Module-Name"),
                    main.getValue("Module-Init"), jar.toUri().toURL(), parent);
            baseline.loaders.add(loader);
            baseline.byName.put(loader.module, loader);
            String exports = main.getValue("Module-Exports");
            if (exports != null) {
                for (String pkg : exports.split(",")) {
                    baseline.exporters.put(pkg.trim(), loader);
                }
            }
        }
        return baseline;
    }

    /**
     * Initializes module {@code name}'s init class (once; later calls do nothing). Thread-safe.
     *
     * @throws IllegalArgumentException when there is no such module
     * @throws IllegalStateException when its init fails
     */
    public void initialize(String name) {
        PlainLoader loader = byName.get(name);
        if (loader == null) {
            throw new IllegalArgumentException("no module " + name);
        }
        init(loader);
    }

    private void init(PlainLoader loader) {
        synchronized (loader) {
            if (loader.init == null || loader.inited) {
                return;
            }
            loader.inited = true;
        }
        try {
            Class.forName(loader.init, true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException(loader.module + ": init failed: " + e, e);
        }
        initialized.add(loader.module);
    }

    /** The modules whose init ran, in the order they ran. */
    public List<String> initialized() {
        return List.copyOf(initialized);
    }

    /** The class loader of module {@code name}, or null. */
    public ClassLoader classLoader(String name) {
        return byName.get(name);
    }

    /** Closes every loader's JAR. */
    @Override
    public void close() throws IOException {
        for (PlainLoader loader : loaders) {
            loader.close();
        }
    }

    /** One JAR's loader; it is also the {@link Kmod.Host} of the module's code. */
    private static final class PlainLoader extends URLClassLoader implements Kmod.HostLoader, Kmod.Host {

        static {
            registerAsParallelCapable();
        }

        final Baseline baseline;
        final String module;
        final String init;
        /** Guarded by this loader's monitor. */
        boolean inited;

        PlainLoader(Baseline baseline, String module, String init, URL jar, ClassLoader parent) {
            super(module, new URL[] {jar}, parent);
            this.baseline = baseline;
            this.module = module;
            this.init = init;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            int dot = name.lastIndexOf('.');
            String pkg = dot < 0 ? "" : name.substring(0, dot);
            PlainLoader exporter = baseline.exporters.get(pkg);
            if (exporter != null && exporter != this) {
                return exporter.loadClass(name, resolve);
            }
            if (pkg.startsWith("java.") || pkg.startsWith("javax.") || pkg.startsWith("jdk.")
                    || pkg.startsWith("sun.") || pkg.startsWith("dev.kmodharness.")) {
                return getParent().loadClass(name);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = findClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        @Override
        public Kmod.Host kmodHost() {
            return this;
        }

        @Override
        public int requestModule(String name, boolean wait) {
            PlainLoader target = baseline.byName.get(name.replace('-', '_'));
            if (target == null) {
                return 256;
            }
            if (wait) {
                baseline.init(target);
            }
            return 0;
        }

        @Override
        public void printk(String line) {
        }

        @Override
        public String param(String name) {
            return null;
        }

        @Override
        public String moduleName() {
            return module;
        }

        @Override
        public void msleep(long ms) {
        }

        @Override
        public boolean tryModuleGet(String name) {
            return true;
        }

        @Override
        public void modulePut(String name) {
        }

        @Override
        public void scheduleWork(Runnable work, boolean async) {
            work.run();
        }
    }
}
