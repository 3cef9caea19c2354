package dev.kmodharness.junit;

import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.api.Errno;
import dev.kmodharness.api.Export;
import dev.kmodharness.api.Kmod;
import dev.kmodharness.api.ModuleInitException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import net.bytebuddy.jar.asm.AnnotationVisitor;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginBuilderTest {

    private static final int ASM = Opcodes.ASM9;

    @TempDir
    Path dir;

    // ---- manifest and JAR layout ----

    @Test
    void writesTheManifestAsSpecified() throws IOException {
        Path jar = plugin("i915")
                .license("GPL and additional rights")
                .exports("intel_ring_begin")
                .exportsGpl("shmem_unpin_map")
                .params("enable_gvt", "modeset")
                .exit()
                .writeTo(dir.resolve("modules"));

        assertEquals(dir.resolve("modules").resolve("i915.jar"), jar);
        Attributes main = mainAttributes(jar);
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("Manifest-Version", "1.0");
        expected.put("Module-Name", "i915");
        expected.put("Module-Init", "kmodtest.i915.init.Init");
        expected.put("Module-Exit", "kmodtest.i915.exit.Exit");
        expected.put("Module-License", "GPL and additional rights");
        expected.put("Module-Exports", "kmodtest.i915");
        expected.put("Module-Params", "enable_gvt,modeset");
        assertEquals(expected, asMap(main));
        // the main section is written in that order, Manifest-Version first
        assertEquals(List.of("Manifest-Version: 1.0", "Module-Name: i915",
                        "Module-Init: kmodtest.i915.init.Init", "Module-Exit: kmodtest.i915.exit.Exit",
                        "Module-License: GPL and additional rights", "Module-Exports: kmodtest.i915",
                        "Module-Params: enable_gvt,modeset"),
                manifestLines(Files.readAllBytes(jar)));
    }

    @Test
    void omitsWhatIsNotSet() throws IOException {
        Attributes importer = mainAttributes(plugin("kvmgt").imports("i915", "intel_ring_begin").writeTo(dir));
        assertEquals(Map.of("Manifest-Version", "1.0", "Module-Name", "kvmgt",
                "Module-Init", "kmodtest.kvmgt.init.Init"), asMap(importer));

        Path bare = plugin("dummy").noInit().writeTo(dir);
        assertEquals(Map.of("Manifest-Version", "1.0", "Module-Name", "dummy"), asMap(mainAttributes(bare)));
        assertEquals(List.of(JarFile.MANIFEST_NAME), entryNames(Files.readAllBytes(bare)));
    }

    @Test
    void manifestExtrasOverrideInPlaceAndNullRemoves() throws IOException {
        Path jar = plugin("snd_hda")
                .license("GPL")
                .manifest("Module-Name", "Not A Name!")
                .manifest("X-Extra", "yes")
                .manifest("Module-License", null)
                .writeTo(dir);
        assertEquals(List.of("Manifest-Version: 1.0", "Module-Name: Not A Name!",
                        "Module-Init: kmodtest.snd_hda.init.Init", "X-Extra: yes"),
                manifestLines(Files.readAllBytes(jar)));
    }

    @Test
    void entriesAreManifestFirstThenSortedWithoutDirectoriesAtAFixedTime() throws IOException {
        byte[] jar = plugin("i915")
                .exports("a")
                .exit()
                .resource("META-INF/services/x", "y".getBytes(StandardCharsets.UTF_8))
                .resource("zzz.txt", new byte[] {1, 2, 3})
                .resource("a/b.txt", new byte[0])
                .toJarBytes();
        assertEquals(List.of(JarFile.MANIFEST_NAME, "META-INF/services/x", "a/b.txt",
                        "kmodtest/i915/Symbols.class", "kmodtest/i915/exit/Exit.class",
                        "kmodtest/i915/init/Init.class", "zzz.txt"),
                entryNames(jar));
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(jar))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                assertFalse(entry.isDirectory(), entry.getName());
                assertEquals(LocalDateTime.of(2026, 1, 1, 0, 0), entry.getTimeLocal(), entry.getName());
                assertNull(entry.getExtra(), entry.getName()); // no extended timestamp
                if (entry.getName().equals("zzz.txt")) {
                    assertArrayEquals(new byte[] {1, 2, 3}, in.readAllBytes());
                }
            }
        }
    }

    @Test
    void theSameDescriptionGivesTheSameBytes() throws IOException {
        byte[] first = description().toJarBytes();
        byte[] second = description().toJarBytes();
        assertArrayEquals(first, second);
        Path a = description().writeTo(dir.resolve("a"));
        Path b = description().writeTo(dir.resolve("b"), "other.jar");
        assertEquals(dir.resolve("b").resolve("other.jar"), b);
        assertArrayEquals(first, Files.readAllBytes(a));
        assertArrayEquals(first, Files.readAllBytes(b));
        PluginBuilder builder = description();
        assertArrayEquals(builder.toJarBytes(), builder.toJarBytes());
    }

    private static PluginBuilder description() {
        return plugin("i915")
                .license("GPL")
                .exports("intel_gvt_a", "intel_gvt_b")
                .exportsGpl("intel_gvt_c")
                .params("enable_gvt")
                .printk("i915: init")
                .requests("kvmgt")
                .msleep(100)
                .exit()
                .resource("readme.txt", "x".getBytes(StandardCharsets.UTF_8));
    }

    // ---- naming ----

    @Test
    void packageNamesFollowTheConvention() throws IOException {
        assertEquals("kmodtest.i915", PluginBuilder.packageOf("i915"));
        assertEquals("kmodtest.m8139too", PluginBuilder.packageOf("8139too"));
        assertEquals("kmodtest.mint", PluginBuilder.packageOf("int"));
        assertEquals("kmodtest.mtrue", PluginBuilder.packageOf("true"));
        assertEquals("kmodtest.m_", PluginBuilder.packageOf("_"));
        assertEquals("kmodtest.snd_hda", PluginBuilder.packageOf("snd-hda"));
        assertEquals("kmodtest.i915.Symbols", PluginBuilder.symbolsClassOf("i915"));
        assertEquals("kmodtest.m8139too.init.Init", PluginBuilder.initClassOf("8139too"));
        assertEquals("kmodtest.mint.exit.Exit", PluginBuilder.exitClassOf("int"));

        Path jar = plugin("8139too").exports("rtl_probe").exit().writeTo(dir);
        Attributes main = mainAttributes(jar);
        assertEquals("8139too", main.getValue("Module-Name"));
        assertEquals("kmodtest.m8139too", main.getValue("Module-Exports"));
        assertEquals("kmodtest.m8139too.init.Init", main.getValue("Module-Init"));
        assertEquals("kmodtest.m8139too.exit.Exit", main.getValue("Module-Exit"));
        assertTrue(entryNames(Files.readAllBytes(jar)).contains("kmodtest/m8139too/Symbols.class"));
    }

    // ---- class files ----

    @Test
    void symbolsClassHasTheAnnotatedMethods() {
        byte[] jar = plugin("i915").exports("intel_ring_begin", "intel_gvt_set_ops").exportsGpl("shmem_unpin_map")
                .toJarBytes();
        byte[] symbols = entries(jar).get("kmodtest/i915/Symbols.class");
        assertNotNull(symbols);

        ClassReader reader = new ClassReader(symbols);
        assertEquals("kmodtest/i915/Symbols", reader.getClassName());
        assertEquals("java/lang/Object", reader.getSuperName());
        assertEquals(Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, reader.getAccess());
        Map<String, String> methods = new LinkedHashMap<>(); // name -> "access desc @Export(gpl)"
        int[] version = new int[1];
        reader.accept(new ClassVisitor(ASM) {
            @Override
            public void visit(int v, int access, String name, String signature, String superName,
                    String[] interfaces) {
                version[0] = v;
            }

            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                methods.put(name, access + " " + descriptor);
                return new MethodVisitor(ASM) {
                    @Override
                    public AnnotationVisitor visitAnnotation(String annotation, boolean visible) {
                        String base = methods.get(name) + " " + annotation + (visible ? " visible" : " invisible");
                        methods.put(name, base + " gpl=false");
                        return new AnnotationVisitor(ASM) {
                            @Override
                            public void visit(String element, Object value) {
                                methods.put(name, base + " " + element + "=" + value);
                            }
                        };
                    }
                };
            }
        }, 0);
        assertEquals(Opcodes.V17, version[0]);
        int publicStatic = Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC;
        String export = "Ldev/kmodharness/api/Export; visible";
        assertEquals(List.of("intel_ring_begin", "intel_gvt_set_ops", "shmem_unpin_map"),
                List.copyOf(methods.keySet()));
        assertEquals(publicStatic + " ()V " + export + " gpl=false", methods.get("intel_ring_begin"));
        assertEquals(publicStatic + " ()V " + export + " gpl=false", methods.get("intel_gvt_set_ops"));
        assertEquals(publicStatic + " ()V " + export + " gpl=true", methods.get("shmem_unpin_map"));
    }

    @Test
    void initRunsTheStepsInTheBuildersOrder() {
        byte[] jar = plugin("i915")
                .printk("i915: probing")
                .imports("drm", "drm_dev_register", "drm_dev_put")
                .msleep(250)
                .requests("kvmgt")
                .requestsNowait("mei_hdcp")
                .printsParam("enable_gvt")
                .loadsClassOf("kvmgt")
                .imports("8139too", "rtl_probe")
                .fails(-Errno.ENODEV)
                .toJarBytes();
        byte[] init = entries(jar).get("kmodtest/i915/init/Init.class");
        assertNotNull(init);
        assertEquals(List.of(
                        "ldc i915: probing",
                        "invokestatic dev/kmodharness/api/Kmod.printk(Ljava/lang/String;[Ljava/lang/Object;)V",
                        "invokestatic kmodtest/drm/Symbols.drm_dev_register()V",
                        "invokestatic kmodtest/drm/Symbols.drm_dev_put()V",
                        "ldc 250",
                        "invokestatic dev/kmodharness/api/Kmod.msleep(J)V",
                        "ldc i915: request_module(kvmgt) returned %d",
                        "ldc kvmgt",
                        "invokestatic dev/kmodharness/api/Kmod.requestModule(Ljava/lang/String;)I",
                        "invokestatic java/lang/Integer.valueOf(I)Ljava/lang/Integer;",
                        "invokestatic dev/kmodharness/api/Kmod.printk(Ljava/lang/String;[Ljava/lang/Object;)V",
                        "ldc i915: request_module_nowait(mei_hdcp) returned %d",
                        "ldc mei_hdcp",
                        "invokestatic dev/kmodharness/api/Kmod.requestModuleNowait(Ljava/lang/String;)I",
                        "invokestatic java/lang/Integer.valueOf(I)Ljava/lang/Integer;",
                        "invokestatic dev/kmodharness/api/Kmod.printk(Ljava/lang/String;[Ljava/lang/Object;)V",
                        "ldc i915: enable_gvt=%s",
                        "ldc enable_gvt",
                        "invokestatic dev/kmodharness/api/Kmod.param(Ljava/lang/String;)Ljava/lang/String;",
                        "invokestatic dev/kmodharness/api/Kmod.printk(Ljava/lang/String;[Ljava/lang/Object;)V",
                        "ldc kmodtest.kvmgt.Symbols",
                        "invokestatic java/lang/Class.forName(Ljava/lang/String;)Ljava/lang/Class;",
                        "invokestatic kmodtest/m8139too/Symbols.rtl_probe()V",
                        "ldc -19",
                        "invokespecial dev/kmodharness/api/ModuleInitException.<init>(I)V",
                        "athrow"),
                clinitCalls(init));

        ClassReader reader = new ClassReader(init);
        assertEquals("kmodtest/i915/init/Init", reader.getClassName());
        assertEquals(Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, reader.getAccess());
    }

    /** The clinit's ldc constants, method calls and athrow, in order. */
    private static List<String> clinitCalls(byte[] classFile) {
        List<String> calls = new ArrayList<>();
        new ClassReader(classFile).accept(new ClassVisitor(ASM) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                if (!name.equals("<clinit>")) {
                    return null;
                }
                assertEquals(Opcodes.ACC_STATIC, access);
                return new MethodVisitor(ASM) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc,
                            boolean isInterface) {
                        String kind = opcode == Opcodes.INVOKESTATIC ? "invokestatic"
                                : opcode == Opcodes.INVOKESPECIAL ? "invokespecial" : "invoke" + opcode;
                        calls.add(kind + " " + owner + "." + method + desc);
                    }

                    @Override
                    public void visitLdcInsn(Object value) {
                        calls.add("ldc " + value);
                    }

                    @Override
                    public void visitInsn(int opcode) {
                        if (opcode == Opcodes.ATHROW) {
                            calls.add("athrow");
                        }
                    }
                };
            }
        }, 0);
        return calls;
    }

    // ---- the bytecode is valid: define, verify and run it ----

    @Test
    void failsThrowsModuleInitExceptionFromInit() {
        TestKernel kernel = new TestKernel(plugin("i915").fails(-19).toJarBytes());
        String init = PluginBuilder.initClassOf("i915");
        Class<?> loaded = assertDoesLoad(init, kernel);
        assertSame(kernel, loaded.getClassLoader());

        ExceptionInInitializerError error = assertThrows(ExceptionInInitializerError.class,
                () -> Class.forName(init, true, kernel));
        ModuleInitException cause = assertInstanceOf(ModuleInitException.class, error.getCause());
        assertEquals(-19, cause.errno());
        assertEquals(List.of(), kernel.log);
    }

    @Test
    void positiveErrnoIsTheSameFailure() {
        TestKernel kernel = new TestKernel(plugin("i915").fails(Errno.EBUSY).toJarBytes());
        ExceptionInInitializerError error = assertThrows(ExceptionInInitializerError.class,
                () -> Class.forName(PluginBuilder.initClassOf("i915"), true, kernel));
        assertEquals(-16, assertInstanceOf(ModuleInitException.class, error.getCause()).errno());
    }

    @Test
    void throwsErrorThrowsIllegalStateException() {
        TestKernel kernel = new TestKernel(plugin("i915").throwsError("boom").toJarBytes());
        ExceptionInInitializerError error = assertThrows(ExceptionInInitializerError.class,
                () -> Class.forName(PluginBuilder.initClassOf("i915"), true, kernel));
        IllegalStateException cause = assertInstanceOf(IllegalStateException.class, error.getCause());
        assertEquals("boom", cause.getMessage());
    }

    @Test
    void importOfAMissingModuleIsNoClassDefFoundError() {
        TestKernel kernel = new TestKernel(plugin("kvmgt").imports("i915", "intel_ring_begin").toJarBytes());
        String init = PluginBuilder.initClassOf("kvmgt");
        assertDoesLoad(init, kernel);
        NoClassDefFoundError error = assertThrows(NoClassDefFoundError.class,
                () -> Class.forName(init, true, kernel));
        assertTrue(error.getMessage().contains("kmodtest/i915/Symbols"), error.getMessage());
    }

    @Test
    void importOfAMissingSymbolIsNoSuchMethodError() {
        TestKernel kernel = new TestKernel(
                plugin("i915").exports("intel_ring_begin").noInit().toJarBytes(),
                plugin("kvmgt").imports("i915", "intel_ring_begin", "no_such_symbol").toJarBytes());
        NoSuchMethodError error = assertThrows(NoSuchMethodError.class,
                () -> Class.forName(PluginBuilder.initClassOf("kvmgt"), true, kernel));
        assertTrue(error.getMessage().contains("no_such_symbol"), error.getMessage());
    }

    @Test
    void emptyInitSucceeds() throws ClassNotFoundException {
        TestKernel kernel = new TestKernel(plugin("dummy").toJarBytes());
        Class<?> init = Class.forName(PluginBuilder.initClassOf("dummy"), true, kernel);
        assertEquals(0, init.getDeclaredMethods().length);
        assertEquals(0, init.getDeclaredConstructors().length);
    }

    @Test
    void everyClassOfARichPluginVerifies() {
        TestKernel kernel = new TestKernel(description().imports("drm", "drm_dev_register")
                .printsParam("enable_gvt").requestsNowait("x").loadsClassOf("drm").throwsError("late").toJarBytes());
        // getDeclaredMethods links the class: the verifier runs, the static initializer does not
        for (String name : List.of(PluginBuilder.symbolsClassOf("i915"), PluginBuilder.initClassOf("i915"),
                PluginBuilder.exitClassOf("i915"))) {
            assertDoesLoad(name, kernel);
        }
        assertEquals(List.of(), kernel.log);
    }

    @Test
    void symbolsAreExportAnnotatedAtRunTime() throws Exception {
        TestKernel kernel = new TestKernel(plugin("i915").exports("intel_ring_begin").exportsGpl("shmem_unpin_map")
                .noInit().toJarBytes());
        Class<?> symbols = Class.forName(PluginBuilder.symbolsClassOf("i915"), false, kernel);
        assertTrue(Modifier.isPublic(symbols.getModifiers()));
        Method plain = symbols.getMethod("intel_ring_begin");
        Method gpl = symbols.getMethod("shmem_unpin_map");
        for (Method method : List.of(plain, gpl)) {
            assertTrue(Modifier.isStatic(method.getModifiers()) && Modifier.isPublic(method.getModifiers()));
            assertEquals(void.class, method.getReturnType());
            assertEquals("", method.getAnnotation(Export.class).value());
        }
        assertFalse(plain.getAnnotation(Export.class).gpl());
        assertTrue(gpl.getAnnotation(Export.class).gpl());
        plain.invoke(null);
    }

    @Test
    void initStepsRunInOrderAgainstAKernel() throws Exception {
        TestKernel kernel = new TestKernel(Map.of("enable_gvt", "1"),
                plugin("i915").exports("intel_ring_begin", "shmem_unpin_map").exit().noInit().toJarBytes(),
                plugin("kvmgt")
                        .printk("kvmgt: 100% ready")
                        .imports("i915", "intel_ring_begin")
                        .requests("vfio-mdev")
                        .msleep(30)
                        .printsParam("enable_gvt")
                        .printsParam("absent")
                        .loadsClassOf("i915")
                        .requestsNowait("mdev")
                        .imports("i915", "shmem_unpin_map")
                        .exit()
                        .toJarBytes());
        Class.forName(PluginBuilder.initClassOf("kvmgt"), true, kernel);
        assertEquals(List.of(
                "kvmgt: 100% ready",
                "request_module vfio-mdev",
                "kvmgt: request_module(vfio-mdev) returned 256",
                "msleep 30",
                "kvmgt: enable_gvt=1",
                "kvmgt: absent=null",
                "request_module_nowait mdev",
                "kvmgt: request_module_nowait(mdev) returned 0"), kernel.log);
        assertTrue(kernel.defined.contains(PluginBuilder.symbolsClassOf("i915")));

        kernel.log.clear();
        Class.forName(PluginBuilder.exitClassOf("kvmgt"), true, kernel).getMethod("exit").invoke(null);
        Class.forName(PluginBuilder.exitClassOf("i915"), true, kernel).getMethod("exit").invoke(null);
        assertEquals(List.of("kvmgt: exit", "i915: exit"), kernel.log);
    }

    @Test
    void loadsClassOfAMissingModuleIsClassNotFound() {
        TestKernel kernel = new TestKernel(plugin("kvmgt").loadsClassOf("i915").toJarBytes());
        ExceptionInInitializerError error = assertThrows(ExceptionInInitializerError.class,
                () -> Class.forName(PluginBuilder.initClassOf("kvmgt"), true, kernel));
        assertInstanceOf(ClassNotFoundException.class, error.getCause());
    }

    @Test
    void aResourceCanReplaceAGeneratedClass() {
        byte[] jar = plugin("i915").resource("kmodtest/i915/init/Init.class", new byte[] {1, 2, 3}).toJarBytes();
        assertArrayEquals(new byte[] {1, 2, 3}, entries(jar).get("kmodtest/i915/init/Init.class"));
        TestKernel kernel = new TestKernel(jar);
        assertThrows(ClassFormatError.class, () -> Class.forName(PluginBuilder.initClassOf("i915"), false, kernel));
    }

    // ---- misuse ----

    @Test
    void rejectsMisuse() {
        assertThrows(IllegalStateException.class, () -> plugin("a").fails(-19).printk("after"));
        assertThrows(IllegalStateException.class, () -> plugin("a").throwsError("x").fails(-1));
        assertThrows(IllegalStateException.class, () -> plugin("a").noInit().printk("x").toJarBytes());
        assertThrows(IllegalArgumentException.class, () -> plugin("a").fails(0));
        assertThrows(IllegalArgumentException.class, () -> plugin("a").exports("x").exportsGpl("x"));
        assertThrows(IllegalArgumentException.class, () -> plugin("a").exports("a.b"));
        assertThrows(IllegalArgumentException.class, () -> plugin("a").imports("b"));
        assertThrows(IllegalArgumentException.class, () -> plugin("a").msleep(-1));
        assertThrows(IllegalArgumentException.class, () -> plugin(""));
        assertThrows(IllegalArgumentException.class, () -> plugin("../a"));
        assertThrows(IllegalArgumentException.class, () -> plugin("a").manifest("bad key", "v"));
        assertThrows(IllegalArgumentException.class, () -> plugin("a").resource("META-INF/MANIFEST.MF", new byte[0]));
        assertThrows(NullPointerException.class, () -> plugin(null));
    }

    // ---- helpers ----

    private static Class<?> assertDoesLoad(String name, ClassLoader loader) {
        Class<?> loaded = null;
        try {
            loaded = Class.forName(name, false, loader);
            loaded.getDeclaredMethods(); // links: runs the verifier
        } catch (ClassNotFoundException | LinkageError e) {
            throw new AssertionError(name + " does not load and verify", e);
        }
        return loaded;
    }

    private static Attributes mainAttributes(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getManifest().getMainAttributes();
        }
    }

    private static Map<String, String> asMap(Attributes attributes) {
        Map<String, String> map = new LinkedHashMap<>();
        attributes.forEach((key, value) -> map.put(key.toString(), (String) value));
        return map;
    }

    private static List<String> manifestLines(byte[] jar) {
        String manifest = new String(entries(jar).get(JarFile.MANIFEST_NAME), StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(manifest.split("\r\n", -1)));
        assertEquals(List.of("", ""), lines.subList(lines.size() - 2, lines.size()), manifest);
        return lines.subList(0, lines.size() - 2);
    }

    private static List<String> entryNames(byte[] jar) {
        return List.copyOf(entries(jar).keySet());
    }

    /** The JAR's entries in file order. */
    private static Map<String, byte[]> entries(byte[] jar) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(jar))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                entries.put(entry.getName(), in.readAllBytes());
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return entries;
    }

    /**
     * A throwaway loader that defines the classes of the given JARs, parent-first with the
     * test's loader as parent, and is the {@link Kmod.Host} of those classes: it records what
     * they ask of their kernel.
     */
    private static final class TestKernel extends ClassLoader implements Kmod.HostLoader, Kmod.Host {

        final List<String> log = Collections.synchronizedList(new ArrayList<>());
        final List<String> defined = Collections.synchronizedList(new ArrayList<>());
        private final Map<String, byte[]> classes = new HashMap<>();
        private final Map<String, String> params;

        TestKernel(byte[]... jars) {
            this(Map.of(), jars);
        }

        TestKernel(Map<String, String> params, byte[]... jars) {
            super("test-kernel", PluginBuilderTest.class.getClassLoader());
            this.params = params;
            for (byte[] jar : jars) {
                entries(jar).forEach((path, content) -> {
                    if (path.endsWith(".class")) {
                        classes.put(path.substring(0, path.length() - ".class".length()).replace('/', '.'), content);
                    }
                });
            }
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] content = classes.get(name);
            if (content == null) {
                throw new ClassNotFoundException(name);
            }
            defined.add(name);
            return defineClass(name, content, 0, content.length);
        }

        @Override
        public Kmod.Host kmodHost() {
            return this;
        }

        @Override
        public int requestModule(String name, boolean wait) {
            log.add((wait ? "request_module " : "request_module_nowait ") + name);
            return wait ? 256 : 0;
        }

        @Override
        public void printk(String line) {
            log.add(line);
        }

        @Override
        public String param(String name) {
            return params.get(name);
        }

        @Override
        public boolean tryModuleGet(String name) {
            log.add("try_module_get " + name);
            return true;
        }

        @Override
        public void modulePut(String name) {
            log.add("module_put " + name);
        }

        @Override
        public void scheduleWork(Runnable work, boolean async) {
            log.add(async ? "async_schedule" : "schedule_work");
            work.run();
        }

        @Override
        public String moduleName() {
            return "test";
        }

        @Override
        public void msleep(long ms) {
            log.add("msleep " + ms);
        }
    }
}
