package dev.kmodharness.loader;

import dev.kmodharness.api.Kmod;
import dev.kmodharness.symbols.Jdk;
import dev.kmodharness.symbols.ModuleImage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;

/**
 * One module's class loader: defines the classes of the module's JAR, sees the JDK and the api
 * through its parent, and sees another module's class only if that module exports the class's
 * package, through the COMING gate ({@link ModuleLinkage#exporterOf}). Parallel capable: it
 * holds the per-class-name loading lock only while defining one of its own classes, never while
 * waiting at the gate. It hands the api facade the module's {@link Kmod.Host}: the facade finds
 * its kernel through the class loader of the calling class.
 */
public final class ModuleClassLoader extends ClassLoader implements Kmod.HostLoader {

    static {
        registerAsParallelCapable();
    }

    private final ModuleImage image;
    private final ModuleLinkage linkage;

    public ModuleClassLoader(ModuleImage image, PlatformLoader parent, ModuleLinkage linkage) {
        super(image.name(), parent);
        this.image = image;
        this.linkage = linkage;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        String pkg = Jdk.packageOf(name);
        Class<?> c;
        if (Jdk.isPlatformPackage(pkg)) {
            c = getParent().loadClass(name);
        } else if (image.ownsPackage(pkg)) {
            c = loadOwnClass(name);
        } else {
            // May wait while the exporter is COMING: no class-loading lock is held here.
            ModuleClassLoader exporter = linkage.exporterOf(pkg, name);
            if (exporter == null) {
                throw new ClassNotFoundException(name + " is not exported to module " + image.name());
            }
            c = exporter.loadOwnClass(name);
        }
        if (resolve) {
            resolveClass(c);
        }
        return c;
    }

    /** Loads a class of this module's own JAR; holds only that class name's loading lock. */
    Class<?> loadOwnClass(String name) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c != null) {
                return c;
            }
            byte[] bytes = image.classBytes(name);
            if (bytes == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, bytes, 0, bytes.length);
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        return loadOwnClass(name);
    }

    @Override
    public InputStream getResourceAsStream(String name) {
        byte[] bytes = image.resource(name);
        return bytes != null ? new ByteArrayInputStream(bytes) : super.getResourceAsStream(name);
    }

    public ModuleImage image() {
        return image;
    }

    /** The module behind this loader: the kernel services {@link Kmod} calls reach. */
    @Override
    public Kmod.Host kmodHost() {
        return linkage;
    }
}
