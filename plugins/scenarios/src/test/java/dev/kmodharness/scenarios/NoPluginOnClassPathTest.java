package dev.kmodharness.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.module.ModuleState;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The plugins reach the kernel only as JARs in a modules directory, loaded by the kernel's own
 * class loaders: none of their classes is on the class path of the tests or in the harness.
 */
class NoPluginOnClassPathTest {

    @ParameterizedTest
    @ValueSource(strings = {"drivers.gpu.drm.i915.pci.I915Pci", "drivers.gpu.drm.i915.IntelRing",
            "drivers.gpu.drm.i915.gvt.Kvmgt", "drivers.gpu.drm.i915.IntelGvt"})
    void pluginClassesAreNotLoadableFromTheTestClassLoader(String className) throws IOException {
        ClassLoader loader = getClass().getClassLoader();
        assertThrows(ClassNotFoundException.class, () -> Class.forName(className, false, loader));
        assertThrows(ClassNotFoundException.class, () -> ClassLoader.getSystemClassLoader().loadClass(className));
        String resource = className.replace('.', '/') + ".class";
        assertNull(loader.getResource(resource), resource);

        // while the JARs in the modules directory do hold it: the check above means something
        assertTrue(inSomeModuleJar(resource), () -> resource + " is in no JAR of " + Sets.modulesDir());
    }

    @Test
    void pluginClassesStayOffTheClassPathAfterTheKernelLoadedThem() throws IOException {
        try (Kernel kernel = Kernel.builder().modules(Sets.gvtOps()).build()) {
            assertEquals(0, kernel.modprobe("kvmgt").status());
            kernel.awaitIdle();
            assertEquals(Optional.of(ModuleState.LIVE), kernel.state("kvmgt"));
            assertEquals(Optional.of(ModuleState.LIVE), kernel.state("i915"));
            assertThrows(ClassNotFoundException.class,
                    () -> Class.forName("drivers.gpu.drm.i915.gvt.Kvmgt", false, getClass().getClassLoader()));
            assertThrows(ClassNotFoundException.class,
                    () -> Class.forName("drivers.gpu.drm.i915.pci.I915Pci", false, getClass().getClassLoader()));
        }
    }

    @Test
    void theClassPathHoldsNoPluginJar() throws IOException {
        Path modules = Sets.modulesDir().toRealPath();
        Path pluginsDir = modules.getParent().getParent(); // plugins/
        List<String> entries = new ArrayList<>(classPath("java.class.path"));
        // surefire may pass the class path in a manifest-only JAR; it names the real one here
        entries.addAll(classPath("surefire.test.class.path"));
        assertFalse(entries.isEmpty());
        for (String entry : entries) {
            Path path = Path.of(entry).toAbsolutePath().normalize();
            Path real = Files.exists(path) ? path.toRealPath() : path;
            assertFalse(real.startsWith(modules), () -> "class path entry under the modules directory: " + entry);
            for (String plugin : List.of("gvt-request", "gvt-ops")) {
                assertFalse(real.startsWith(pluginsDir.resolve(plugin)), () -> "plugin class path entry: " + entry);
            }
            assertFalse(real.getFileName().toString().matches("gvt-(request|ops)-(i915|kvmgt).*\\.jar"),
                    () -> "plugin JAR on the class path: " + entry);
            if (Files.isRegularFile(real) && real.toString().endsWith(".jar")) {
                try (JarFile jar = new JarFile(real.toFile())) {
                    assertNull(jar.getManifest() == null ? null
                            : jar.getManifest().getMainAttributes().getValue("Module-Name"),
                            () -> "a module JAR on the class path: " + entry);
                }
            }
        }
    }

    @Test
    void theHarnessJarHoldsNoPluginClass() throws IOException {
        Path cli = Sets.cliJar();
        assertTrue(Files.isRegularFile(cli), () -> cli + " not built");
        try (ZipFile zip = new ZipFile(cli.toFile())) {
            List<String> drivers = zip.stream().map(e -> e.getName()).filter(n -> n.startsWith("drivers/")).toList();
            assertEquals(List.of(), drivers);
            assertNotNull(zip.getEntry("dev/kmodharness/Kernel.class"), "not the harness JAR?");
        }
    }

    private static List<String> classPath(String property) {
        String value = System.getProperty(property, "");
        return Stream.of(value.split(File.pathSeparator)).filter(s -> !s.isBlank()).toList();
    }

    private static boolean inSomeModuleJar(String resource) throws IOException {
        try (Stream<Path> files = Files.walk(Sets.modulesDir())) {
            for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).toList()) {
                try (ZipFile zip = new ZipFile(jar.toFile())) {
                    if (zip.getEntry(resource) != null) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
