package dev.kmodharness.frameworks;

import dev.kmodharness.junit.ClassFiles;
import dev.kmodharness.lockdep.jvm.JvmLockdepAgent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Packages compiled classes as the JARs each plugin system loads: the i915 and kvmgt classes
 * this module's test sources compile to, and the JVM lockdep agent from the harness's own
 * classes. Written with the harness's reproducible JAR writer ({@link ClassFiles#jar}).
 */
final class PluginJars {

    private PluginJars() {
    }

    /** The class files of {@code packages} (not of their subpackages), JAR path to bytes. */
    static Map<String, byte[]> classes(Class<?> anchor, String... packages) {
        Map<String, byte[]> entries = new TreeMap<>();
        Path root = codeSource(anchor);
        try (FileSystem jar = root.toString().endsWith(".jar") ? FileSystems.newFileSystem(root) : null) {
            Path base = jar == null ? root : jar.getPath("/");
            for (String p : packages) {
                Path dir = base.resolve(p.replace('.', '/'));
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class")).sorted()::iterator) {
                        entries.put(p.replace('.', '/') + "/" + f.getFileName(), Files.readAllBytes(f));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }

    /** A manifest of {@code attributes}, name and value in turn. */
    static Manifest manifest(String... attributes) {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        for (int i = 0; i < attributes.length; i += 2) {
            manifest.getMainAttributes().putValue(attributes[i], attributes[i + 1]);
        }
        return manifest;
    }

    static Path write(Path jar, Manifest manifest, Map<String, byte[]> entries) {
        try {
            Files.createDirectories(jar.getParent());
            return Files.write(jar, ClassFiles.jar(manifest, entries));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The JVM lockdep agent: the harness's lockdep classes (all the agent needs) with the
     * manifest entries the shaded kmod-harness.jar carries.
     */
    static Path agent(Path jar) {
        String agent = JvmLockdepAgent.class.getName();
        return write(jar, manifest("Premain-Class", agent, "Agent-Class", agent),
                classes(JvmLockdepAgent.class, "dev.kmodharness.lockdep", "dev.kmodharness.lockdep.jvm"));
    }

    /** Where {@code c}'s classes come from: a directory or a JAR. */
    static Path codeSource(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
