package dev.kmodharness.loader;

import dev.kmodharness.api.Kmod;
import dev.kmodharness.symbols.Jdk;
import dev.kmodharness.symbols.ModuleImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;

/**
 * One module's class loader: defines the classes of the module's JAR, sees the JDK and the api
 * through its parent, and sees another module's class only if that module exports the class's
 * package, through the COMING gate ({@link ModuleLinkage#exporterOf}). Parallel capable: it
 * holds the per-class-name loading lock only while defining one of its own classes, never while
 * waiting at the gate.
 *
 * <p>Whoever asks decides what it may see ({@link Requester}): another module's code asking
 * this loader by name (Class.forName with this loader, loadClass, a ServiceLoader over it) is
 * served by its own module's loader, under the same rules as its bytecode: export, the COMING
 * wait. Each class is rewritten as it is defined so that System.exit and its kind panic the
 * kernel instead of ending the JVM, and Class.forName with another module's loader asks this
 * rule too ({@link CallRewriter}). The module's JAR entries are its
 * resources. It hands the api facade, and only the facade, the module's {@link Kmod.Host}.
 */
public final class ModuleClassLoader extends ClassLoader implements Kmod.HostLoader {

    static {
        registerAsParallelCapable();
    }

    private static final StackWalker CALLER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private final ModuleImage image;
    private final ModuleLinkage linkage;
    private final ImageResources resources;

    public ModuleClassLoader(ModuleImage image, PlatformLoader parent, ModuleLinkage linkage) {
        super(image.name(), parent);
        this.image = image;
        this.linkage = linkage;
        this.resources = new ImageResources(image);
    }

    /**
     * The entry of every load by name: the JVM resolving a class for code this loader defined,
     * Class.forName, ServiceLoader, a direct call. A class of this module's own JAR goes to
     * whoever asked ({@link Requester}): the JVM names the referencing class as the caller, so
     * the common case costs one getCallerClass.
     */
    @Override
    public Class<?> loadClass(String name) throws ClassNotFoundException {
        if (image.ownsPackage(Jdk.packageOf(name))) {
            ModuleClassLoader asker = Requester.of(this, CALLER.getCallerClass());
            if (asker != this) {
                return asker.loadClass(name, false);
            }
        }
        return loadClass(name, false);
    }

    /** Loads {@code name} for code of this module, or for the harness: asked only from {@link #loadClass(String)}. */
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
            bytes = CallRewriter.rewrite(bytes);
            return defineClass(name, bytes, 0, bytes.length);
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        return loadOwnClass(name);
    }

    @Override
    protected URL findResource(String name) {
        return resources.find(name);
    }

    @Override
    protected Enumeration<URL> findResources(String name) throws IOException {
        URL url = resources.find(name);
        return url == null ? Collections.emptyEnumeration() : Collections.enumeration(java.util.List.of(url));
    }

    @Override
    public InputStream getResourceAsStream(String name) {
        byte[] bytes = image.entry(name);
        return bytes != null ? new ByteArrayInputStream(bytes) : super.getResourceAsStream(name);
    }

    public ModuleImage image() {
        return image;
    }

    /**
     * The module behind this loader: the kernel services {@link Kmod} calls reach. Only the
     * harness's own classes may ask (the api facade, the harness's users): module code that
     * casts another module's loader, or hands the call to the JDK to make (a method reference
     * run by an executor), gets no identity.
     *
     * @throws IllegalCallerException when called from a class the harness's loader did not define
     */
    @Override
    public Kmod.Host kmodHost() {
        Class<?> caller = CALLER.getCallerClass();
        if (caller.getClassLoader() != ModuleClassLoader.class.getClassLoader()) {
            throw new IllegalCallerException(caller.getName() + " may not act as module " + image.name());
        }
        return linkage;
    }
}
