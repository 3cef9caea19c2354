package dev.kmodharness.junit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * What writing synthetic plugin JARs takes, shared by {@link PluginBuilder} and the set
 * generator: class files of version 17 written straight-line (COMPUTE_MAXS, which never loads
 * a class), and reproducible JARs: the manifest first, then the entries in the order given,
 * every entry stamped with one fixed time, so the same description gives the same bytes.
 */
public final class ClassFiles {

    /** The build's project.build.outputTimestamp, as local time so no time zone leaks in. */
    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2026, 1, 1, 0, 0);

    private ClassFiles() {
    }

    /** "a.b.C" to "a/b/C". */
    public static String internal(String binaryName) {
        return binaryName.replace('.', '/');
    }

    /** "a.b.C" to "a/b/C.class". */
    public static String entryName(String binaryName) {
        return internal(binaryName) + ".class";
    }

    /** A public class extending Object, version 17; the caller adds members and visitEnd. */
    public static ClassWriter newClass(String binaryName) {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, internal(binaryName), null,
                "java/lang/Object", null);
        return writer;
    }

    /** A JAR of {@code manifest} and {@code entries} (path to bytes), in the entries' order. */
    public static byte[] jar(Manifest manifest, Map<String, byte[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024 + 768 * entries.size());
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            ByteArrayOutputStream manifestBytes = new ByteArrayOutputStream(256);
            manifest.write(manifestBytes);
            put(zip, JarFile.MANIFEST_NAME, manifestBytes.toByteArray());
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                put(zip, entry.getKey(), entry.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void put(ZipOutputStream zip, String path, byte[] content) throws IOException {
        ZipEntry entry = new ZipEntry(path);
        entry.setTimeLocal(ENTRY_TIME);
        zip.putNextEntry(entry);
        zip.write(content);
        zip.closeEntry();
    }
}
