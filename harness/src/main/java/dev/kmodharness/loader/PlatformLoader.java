package dev.kmodharness.loader;

import dev.kmodharness.symbols.Jdk;
import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;

/**
 * The parent of every module class loader: it shows the JDK (the platform class loader) and
 * the package {@code dev.kmodharness.api}, and nothing else of the harness or its class path.
 * Stateless; one per kernel.
 */
public final class PlatformLoader extends ClassLoader {

    static {
        registerAsParallelCapable();
    }

    private final ClassLoader harness;

    public PlatformLoader() {
        super("kmod-platform", ClassLoader.getPlatformClassLoader());
        this.harness = PlatformLoader.class.getClassLoader();
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (Jdk.packageOf(name).equals(Jdk.API_PACKAGE)) {
            return Class.forName(name, false, harness);
        }
        return super.loadClass(name, resolve);
    }

    @Override
    public URL getResource(String name) {
        return isApiResource(name) ? harness.getResource(name) : getParent().getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        return isApiResource(name) ? harness.getResources(name) : getParent().getResources(name);
    }

    private static boolean isApiResource(String name) {
        int slash = name.lastIndexOf('/');
        return slash > 0 && name.substring(0, slash).replace('/', '.').equals(Jdk.API_PACKAGE);
    }

    @Override
    protected Enumeration<URL> findResources(String name) {
        return Collections.emptyEnumeration();
    }
}
