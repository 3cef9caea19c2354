package dev.kmodharness;

import static dev.kmodharness.Scenarios.LIVE;
import static dev.kmodharness.Scenarios.NOT_LOADED;
import static dev.kmodharness.Scenarios.boot;
import static dev.kmodharness.Scenarios.module;
import static dev.kmodharness.Scenarios.texts;
import static dev.kmodharness.junit.PluginBuilder.initClassOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.cli.Main;
import dev.kmodharness.junit.ClassFiles;
import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.kmod.ModulesDirectoryException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed images, as the kernel treats a malformed .ko: a class this JVM cannot define is
 * -ENOEXEC ("Invalid module format") when the module is loaded, before anything of it runs;
 * a JAR that inflates past the image limit is skipped by depmod (-EFBIG), never an
 * OutOfMemoryError; a Module-Exit without {@code public static void exit()} is an unknown
 * symbol at load; a modules path that is no directory gets depmod's own line.
 */
@Timeout(30)
class MalformedImageTest {

    private static final String EXEC_FORMAT = "modprobe: ERROR: could not insert 'a': Exec format error";

    @TempDir
    Path dir;

    /** A class file named {@code binaryName}, with a static method {@code m} that just returns. */
    private static byte[] classFile(String binaryName) {
        ClassWriter writer = ClassFiles.newClass(binaryName);
        MethodVisitor m = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "m", "()V", null, null);
        m.visitCode();
        m.visitInsn(Opcodes.RETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    /** Loading a fails with -ENOEXEC and {@code fault} in dmesg; nothing of a ran; b loads. */
    private void refusedAtLoad(String fault) throws IOException {
        module("b").printk("b: init").writeTo(dir);
        try (Kernel kernel = boot(dir)) {
            assertEquals(List.of(), kernel.depmod().warnings(), "depmod indexes it: the fault shows at load");

            assertEquals(new Modprobe.Result(1, List.of(EXEC_FORMAT)), kernel.modprobe("a"));
            assertEquals(-8, kernel.insmod(dir.resolve("a.jar")));

            String line = "a: Invalid module format: " + fault;
            assertEquals(List.of(line, line), texts(kernel));
            assertEquals(NOT_LOADED, kernel.state("a"));
            assertEquals(0, kernel.modprobe("b").status());
            assertEquals(LIVE, kernel.state("b"));
        }
    }

    @Test
    void aClassFileVersionThisJvmCannotDefineIsInvalidModuleFormat() throws IOException {
        byte[] init = classFile(initClassOf("a"));
        int feature = Runtime.version().feature();
        init[6] = 0;
        init[7] = (byte) (feature + 45);
        module("a").printk("a: init").resource(ClassFiles.entryName(initClassOf("a")), init).writeTo(dir);

        refusedAtLoad("kmodtest/a/init/Init.class: class-file version " + (feature + 45) + ".0, this JVM (Java "
                + feature + ") defines 45 to " + (feature + 44));
    }

    @Test
    void aClassWhoseNameIsNotItsEntrysIsInvalidModuleFormat() throws IOException {
        module("a").printk("a: init").resource(ClassFiles.entryName(initClassOf("a")), classFile("kmodtest.a.Other"))
                .writeTo(dir);

        refusedAtLoad("kmodtest/a/init/Init.class: holds class kmodtest.a.Other (wrong name)");
    }

    @Test
    void aClassFileThatIsNotOneIsInvalidModuleFormat() throws IOException {
        module("a").printk("a: init").resource("kmodtest/a/Helper.class", "not a class".getBytes()).writeTo(dir);

        refusedAtLoad("kmodtest/a/Helper.class: not a class file (bad magic number)");
    }

    @Test
    void aTruncatedClassFileIsInvalidModuleFormat() throws IOException {
        byte[] cut = Arrays.copyOf(classFile("kmodtest.a.Helper"), 30);
        module("a").printk("a: init").resource("kmodtest/a/Helper.class", cut).writeTo(dir);
        module("b").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(new Modprobe.Result(1, List.of(EXEC_FORMAT)), kernel.modprobe("a"));
            List<String> dmesg = texts(kernel);
            assertEquals(1, dmesg.size(), dmesg::toString);
            assertTrue(dmesg.get(0).startsWith("a: Invalid module format: kmodtest/a/Helper.class: corrupt class file ("),
                    dmesg::toString);
        }
    }

    // ---- a bounded image ----

    /** A JAR whose one entry inflates to {@code size} zero bytes, written without holding them. */
    private Path zipBomb(String file, long size, boolean lieAboutSize) throws IOException {
        Path jar = dir.resolve(file);
        try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(Deflater.BEST_SPEED);
            zip.putNextEntry(new ZipEntry(JarFile.MANIFEST_NAME));
            zip.write("Manifest-Version: 1.0\r\nModule-Name: bomb\r\n\r\n".getBytes());
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("zeros.bin"));
            byte[] zeros = new byte[1 << 16];
            for (long written = 0; written < size; written += zeros.length) {
                zip.write(zeros);
            }
            zip.closeEntry();
        }
        if (lieAboutSize) {
            // the central directory says zeros.bin is 16 bytes: the reader counts what inflates
            byte[] bytes = Files.readAllBytes(jar);
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = bytes.length - 22; i >= 0; i--) {
                if (b.getInt(i) == 0x02014b50 && new String(bytes, i + 46, b.getShort(i + 28)).equals("zeros.bin")) {
                    b.putInt(i + 24, 16);
                }
            }
            Files.write(jar, bytes);
        }
        return jar;
    }

    @Test
    void aJarThatInflatesPastTheImageLimitIsSkippedWithOneLineAndEfbig() throws IOException {
        Path bomb = zipBomb("bomb.jar", 65L << 20, false);
        assertTrue(Files.size(bomb) < 1 << 20, "a small file");
        module("a").printk("a: init").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(List.of("depmod: WARNING: bomb.jar: File too large (zeros.bin inflates past the 64 MiB image"
                    + " limit): skipped"), kernel.depmod().warnings());
            assertEquals(-27, kernel.insmod(bomb));
            assertEquals(0, kernel.modprobe("a").status(), "harms no other module");
            assertEquals(List.of("a: init"), texts(kernel));
        }
    }

    @Test
    void aJarThatLiesAboutItsSizeStopsAtTheLimitToo() throws IOException {
        Path bomb = zipBomb("liar.jar", 65L << 20, true);

        try (Kernel kernel = boot(dir)) {
            assertEquals(List.of("depmod: WARNING: liar.jar: File too large (zeros.bin inflates past the 64 MiB image"
                    + " limit): skipped"), kernel.depmod().warnings());
            assertEquals(-27, kernel.insmod(bomb));
        }
    }

    // ---- Module-Exit is linked like a symbol ----

    @Test
    void aModuleExitClassWithoutExitIsAnUnknownSymbolAtLoad() throws IOException {
        module("a").printk("a: init").manifest("Module-Exit", initClassOf("a")).writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(new Modprobe.Result(1, List.of("modprobe: ERROR: could not insert 'a': "
                    + "Unknown symbol in module, or unknown parameter (see dmesg)")), kernel.modprobe("a"));
            assertEquals(List.of("a: Unknown symbol exit (err -2)"), texts(kernel), "init never ran");
            assertEquals(NOT_LOADED, kernel.state("a"));
        }
    }

    @Test
    void anInstanceExitIsAnUnknownSymbolToo() throws IOException {
        ClassWriter writer = ClassFiles.newClass("kmodtest.a.Bye");
        MethodVisitor exit = writer.visitMethod(Opcodes.ACC_PUBLIC, "exit", "()V", null, null);
        exit.visitCode();
        exit.visitInsn(Opcodes.RETURN);
        exit.visitMaxs(0, 0);
        exit.visitEnd();
        writer.visitEnd();
        Path a = module("a").resource("kmodtest/a/Bye.class", writer.toByteArray())
                .manifest("Module-Exit", "kmodtest.a.Bye").writeTo(dir);

        try (Kernel kernel = boot(dir)) {
            assertEquals(-2, kernel.insmod(a));
            assertEquals(List.of("a: Unknown symbol exit (err -2)"), texts(kernel));
        }
    }

    // ---- the modules path ----

    @Test
    void aModulesPathThatIsAFileOrMissingGetsDepmodsLine() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");
        Path missing = dir.resolve("missing");

        assertEquals("depmod: ERROR: could not open directory " + file + ": Not a directory",
                assertThrows(ModulesDirectoryException.class, () -> boot(file)).getMessage());
        assertEquals("depmod: ERROR: could not open directory " + missing + ": No such file or directory",
                assertThrows(ModulesDirectoryException.class, () -> boot(missing)).getMessage());

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), "modprobe", "--modules", file.toString(), "a");
        assertEquals(2, status, "a usage error");
        assertEquals("depmod: ERROR: could not open directory " + file + ": Not a directory\n", err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void anEmptyModulesDirectoryHasNoModule() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int status = Main.run(new PrintWriter(out), new PrintWriter(err), "modprobe", "--modules", empty.toString(), "a");

        assertEquals(1, status);
        assertEquals("modprobe: FATAL: Module a not found in directory " + empty + "\n", err.toString());
    }
}
