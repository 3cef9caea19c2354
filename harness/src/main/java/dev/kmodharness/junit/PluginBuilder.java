package dev.kmodharness.junit;

import static dev.kmodharness.junit.ClassFiles.internal;
import static dev.kmodharness.junit.ClassFiles.newClass;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import net.bytebuddy.jar.asm.AnnotationVisitor;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Builds real synthetic plugin JARs for tests, written like a module description:
 *
 * <pre>{@code
 * import static dev.kmodharness.junit.PluginBuilder.plugin;
 *
 * Path jar = plugin("kvmgt")
 *     .license("GPL")
 *     .imports("i915", "intel_ring_begin", "shmem_unpin_map")
 *     .writeTo(dir);              // writes dir/kvmgt.jar, returns its path
 * }</pre>
 *
 * <h2>Conventions</h2>
 * The harness's own tests rely on these; they do not change.
 * <ul>
 *   <li><b>Package.</b> Module {@code <name>} lives in package {@code kmodtest.<segment>}, where
 *     the segment is the name itself when that is a valid Java identifier. Otherwise every
 *     character that cannot appear in an identifier becomes {@code _} (so {@code -} reads as
 *     {@code _}, as the kernel reads it), and when the result does not start like an
 *     identifier or is a reserved word ({@code int}, {@code true}, {@code _}, ...) it is
 *     prefixed with {@code m}: {@code 8139too} is {@code kmodtest.m8139too}, {@code int} is
 *     {@code kmodtest.mint}, {@code snd-hda} is {@code kmodtest.snd_hda}. {@link #packageOf}
 *     and the other {@code ...Of} methods compute these names.</li>
 *   <li><b>Exports.</b> Exported symbols are {@code public static void <symbol>()} methods, in
 *     the order they were declared, of class {@code kmodtest.<segment>.Symbols}, each annotated
 *     {@code @dev.kmodharness.api.Export} (runtime-visible; {@code gpl = true} for those from
 *     {@link #exportsGpl}, the element is omitted otherwise). Their bodies just return. When
 *     the module exports anything, the manifest says
 *     {@code Module-Exports: kmodtest.<segment>}; when it exports nothing there is no Symbols
 *     class and no Module-Exports.</li>
 *   <li><b>Init.</b> Unless {@link #noInit()}, class {@code kmodtest.<segment>.init.Init} (in a
 *     package that is not exported) with {@code Module-Init: kmodtest.<segment>.init.Init}. Its
 *     {@code <clinit>} performs the init steps in the order the builder methods were called,
 *     then returns, or ends by throwing when the last step is {@link #fails} or
 *     {@link #throwsError}. With no steps it just returns: an init that succeeds.</li>
 *   <li><b>Exit.</b> With {@link #exit()}, class {@code kmodtest.<segment>.exit.Exit} with
 *     {@code public static void exit()} doing {@code Kmod.printk("<name>: exit")}, and
 *     {@code Module-Exit: kmodtest.<segment>.exit.Exit}.</li>
 *   <li><b>Manifest.</b> Main section, in this order: {@code Manifest-Version: 1.0},
 *     {@code Module-Name: <name>} (the name exactly as given), then where set
 *     {@code Module-Init}, {@code Module-Exit}, {@code Module-License}, {@code Module-Exports},
 *     {@code Module-Params} (comma-separated, no spaces), then the {@link #manifest} extras in
 *     call order; a {@link #manifest} key that is already there replaces the value in place,
 *     and a null value removes the attribute.</li>
 *   <li><b>Class files.</b> Version 17, {@code ACC_PUBLIC | ACC_SUPER}, superclass
 *     {@code java.lang.Object}, no constructor, straight-line code (no stack map frames
 *     needed). The init steps refer to other modules only by name, so an import of a module or
 *     symbol that exists nowhere is how a test makes an unknown symbol.</li>
 *   <li><b>JAR.</b> {@code META-INF/MANIFEST.MF} first, then the class and {@link #resource}
 *     entries sorted by name, no directory entries, every entry time 2026-01-01T00:00 (as the
 *     build's {@code project.build.outputTimestamp}): the same description gives the same bytes
 *     on every run. A resource whose path is a generated class's replaces that class (a way to
 *     put a corrupt class in a plugin).</li>
 * </ul>
 *
 * <h2>Init steps</h2>
 * <ul>
 *   <li>{@link #imports}: {@code invokestatic kmodtest/<module segment>/Symbols.<symbol>()V} for
 *     each symbol in order: a symbol import, read from the bytecode by the harness.</li>
 *   <li>{@link #requests} / {@link #requestsNowait}: {@code Kmod.requestModule(module)} /
 *     {@code Kmod.requestModuleNowait(module)}, and the result printed with
 *     {@code Kmod.printk("<name>: request_module(<module>) returned %d", result)} (resp.
 *     {@code request_module_nowait(<module>)}).</li>
 *   <li>{@link #printk}: {@code Kmod.printk(line)}, the line taken literally.</li>
 *   <li>{@link #msleep}: {@code Kmod.msleep(ms)}.</li>
 *   <li>{@link #printsParam}: {@code Kmod.printk("<name>: <param>=%s", Kmod.param(param))}, so
 *     a parameter that was not given prints as {@code null}.</li>
 *   <li>{@link #loadsClassOf}: {@code Class.forName("kmodtest.<module segment>.Symbols")} with
 *     the init class's own loader: the class gate path, not a symbol import.</li>
 *   <li>{@link #fails}: {@code throw new ModuleInitException(errno)}; {@link #throwsError}:
 *     {@code throw new IllegalStateException(message)}. Either must be the last step.</li>
 * </ul>
 *
 * <p>A builder is mutable and not thread-safe; {@link #toJarBytes()} and the {@code writeTo}
 * methods may be called more than once and do not change it.
 */
public final class PluginBuilder {

    private static final String KMOD = "dev/kmodharness/api/Kmod";
    private static final String EXPORT_DESCRIPTOR = "Ldev/kmodharness/api/Export;";

    private static final Set<String> RESERVED = Set.of(
            "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class",
            "const", "continue", "default", "do", "double", "else", "enum", "extends", "final",
            "finally", "float", "for", "goto", "if", "implements", "import", "instanceof", "int",
            "interface", "long", "native", "new", "package", "private", "protected", "public",
            "return", "short", "static", "strictfp", "super", "switch", "synchronized", "this",
            "throw", "throws", "transient", "try", "void", "volatile", "while",
            "true", "false", "null", "_");

    /** One step of the init class's static initializer, written by this builder. */
    private interface Step extends InitStep {
        void emit(MethodVisitor code);

        @Override
        default void emit(ClassVisitor cls, String owner, MethodVisitor code) {
            emit(code);
        }
    }

    private final String name;
    private final String packageName;
    /** Symbol to gpl flag, in declaration order. */
    private final Map<String, Boolean> exports = new LinkedHashMap<>();
    private final List<InitStep> steps = new ArrayList<>();
    private final List<InitStep> exitSteps = new ArrayList<>();
    /** Set once a step that throws was added: nothing may follow it. */
    private String finalStep;
    private boolean noInit;
    private boolean initOnSymbols;
    private boolean exit;
    private String license;
    private List<String> params;
    /** Raw manifest attributes; a null value removes the attribute. */
    private final Map<String, String> manifestExtras = new LinkedHashMap<>();
    private final Map<String, byte[]> resources = new TreeMap<>();

    private PluginBuilder(String name) {
        this.name = name;
        this.packageName = packageOf(name);
    }

    /**
     * Starts the description of module {@code name}. The name goes into {@code Module-Name} and
     * the file name as given; it is not checked against the harness's rules, so a test can make
     * a module with a bad name (or use {@link #manifest} for that).
     */
    public static PluginBuilder plugin(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("not usable as a module and file name: '" + name + "'");
        }
        return new PluginBuilder(name);
    }

    // ---- the naming conventions ----

    /** The package of module {@code module}'s classes: {@code kmodtest.<segment>}. */
    public static String packageOf(String module) {
        return "kmodtest." + segment(module);
    }

    /** Binary name of the class holding module {@code module}'s exported symbols. */
    public static String symbolsClassOf(String module) {
        return packageOf(module) + ".Symbols";
    }

    /** Binary name of module {@code module}'s init class (its {@code Module-Init}). */
    public static String initClassOf(String module) {
        return packageOf(module) + ".init.Init";
    }

    /** Binary name of module {@code module}'s exit class (its {@code Module-Exit}). */
    public static String exitClassOf(String module) {
        return packageOf(module) + ".exit.Exit";
    }

    private static String segment(String module) {
        Objects.requireNonNull(module, "module");
        if (module.isEmpty()) {
            throw new IllegalArgumentException("empty module name");
        }
        StringBuilder segment = new StringBuilder(module.length() + 1);
        module.codePoints().forEach(c -> segment.appendCodePoint(
                Character.isJavaIdentifierPart(c) && !Character.isIdentifierIgnorable(c) ? c : '_'));
        String s = segment.toString();
        if (!Character.isJavaIdentifierStart(s.codePointAt(0)) || RESERVED.contains(s)) {
            s = "m" + s;
        }
        return s;
    }

    // ---- exports ----

    /** EXPORT_SYMBOL for each symbol: {@code @Export public static void <symbol>()} in Symbols. */
    public PluginBuilder exports(String... symbols) {
        return export(false, symbols);
    }

    /** EXPORT_SYMBOL_GPL for each symbol: {@code @Export(gpl = true)}. */
    public PluginBuilder exportsGpl(String... symbols) {
        return export(true, symbols);
    }

    private PluginBuilder export(boolean gpl, String... symbols) {
        for (String symbol : symbols) {
            checkSymbol(symbol);
            if (exports.putIfAbsent(symbol, gpl) != null) {
                throw new IllegalArgumentException(name + " already exports " + symbol);
            }
        }
        return this;
    }

    private static void checkSymbol(String symbol) {
        Objects.requireNonNull(symbol, "symbol");
        if (symbol.isEmpty() || symbol.chars().anyMatch(c -> ".;[/<>".indexOf(c) >= 0)) {
            throw new IllegalArgumentException("not a valid method name: '" + symbol + "'");
        }
    }

    // ---- init steps ----

    /**
     * Init step(s): calls {@code kmodtest.<module>.Symbols.<symbol>()} for each symbol, in
     * order. Neither the module nor the symbol need exist anywhere.
     */
    public PluginBuilder imports(String module, String... symbols) {
        String owner = internal(symbolsClassOf(module));
        if (symbols.length == 0) {
            throw new IllegalArgumentException("imports from " + module + " without a symbol");
        }
        for (String symbol : symbols) {
            checkSymbol(symbol);
            step(code -> code.visitMethodInsn(Opcodes.INVOKESTATIC, owner, symbol, "()V", false));
        }
        return this;
    }

    /**
     * Init step: {@code request_module(module)}, then printk
     * {@code "<name>: request_module(<module>) returned %d"} with its result.
     */
    public PluginBuilder requests(String module) {
        return request(module, "requestModule", "request_module");
    }

    /**
     * Init step: {@code request_module_nowait(module)}, then printk
     * {@code "<name>: request_module_nowait(<module>) returned %d"} with its result.
     */
    public PluginBuilder requestsNowait(String module) {
        return request(module, "requestModuleNowait", "request_module_nowait");
    }

    private PluginBuilder request(String module, String method, String kernelName) {
        Objects.requireNonNull(module, "module");
        String format = InitSteps.escape(name + ": " + kernelName + "(" + module + ")") + " returned %d";
        return step(code -> InitSteps.printkOf(code, format, arg -> {
            arg.visitLdcInsn(module);
            arg.visitMethodInsn(Opcodes.INVOKESTATIC, KMOD, method, "(Ljava/lang/String;)I", false);
            arg.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Integer", "valueOf",
                    "(I)Ljava/lang/Integer;", false);
        }));
    }

    /** Init step: {@code Kmod.printk(line)}; the line is not a format. */
    public PluginBuilder printk(String line) {
        Objects.requireNonNull(line, "line");
        return step(code -> InitSteps.printkLiteral(code, line));
    }

    /** Init step: {@code Kmod.msleep(ms)}. */
    public PluginBuilder msleep(long ms) {
        if (ms < 0) {
            throw new IllegalArgumentException("negative sleep: " + ms);
        }
        return step(code -> {
            code.visitLdcInsn(ms);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, KMOD, "msleep", "(J)V", false);
        });
    }

    /**
     * Init step: {@code LockSupport.park()}, a block the harness cannot see (as Thread.sleep or
     * a foreign lock would be): the thread stays until someone unparks it. For showing the
     * virtual clock's watchdog.
     */
    public PluginBuilder parksOutsideHarness() {
        return step(code -> code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/util/concurrent/locks/LockSupport",
                "park", "()V", false));
    }

    /** Init step: printk {@code "<name>: <param>=%s"} with {@code Kmod.param(param)}. */
    public PluginBuilder printsParam(String param) {
        Objects.requireNonNull(param, "param");
        String format = InitSteps.escape(name + ": " + param) + "=%s";
        return step(code -> InitSteps.printkOf(code, format, arg -> {
            arg.visitLdcInsn(param);
            arg.visitMethodInsn(Opcodes.INVOKESTATIC, KMOD, "param", "(Ljava/lang/String;)Ljava/lang/String;", false);
        }));
    }

    /**
     * Init step: {@code Class.forName("kmodtest.<module>.Symbols")} with the caller's (the
     * module's) class loader: reaches another module through the class gate without importing
     * a symbol.
     */
    public PluginBuilder loadsClassOf(String module) {
        String className = symbolsClassOf(module);
        return step(code -> {
            code.visitLdcInsn(className);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Class", "forName",
                    "(Ljava/lang/String;)Ljava/lang/Class;", false);
            code.visitInsn(Opcodes.POP);
        });
    }

    /** Final init step: {@code throw new ModuleInitException(errno)}; errno with or without sign. */
    public PluginBuilder fails(int errno) {
        if (errno == 0) {
            throw new IllegalArgumentException("an init failure needs a non-zero errno");
        }
        step(code -> InitSteps.throwInitFailure(code, errno));
        finalStep = "fails(" + errno + ")";
        return this;
    }

    /** Final init step: {@code throw new IllegalStateException(message)}. */
    public PluginBuilder throwsError(String message) {
        Objects.requireNonNull(message, "message");
        step(code -> {
            code.visitTypeInsn(Opcodes.NEW, "java/lang/IllegalStateException");
            code.visitInsn(Opcodes.DUP);
            code.visitLdcInsn(message);
            code.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/IllegalStateException", "<init>",
                    "(Ljava/lang/String;)V", false);
            code.visitInsn(Opcodes.ATHROW);
        });
        finalStep = "throwsError(\"" + message + "\")";
        return this;
    }

    /** Init steps of {@link InitSteps}, or any {@link InitStep}; one that always throws comes last. */
    public PluginBuilder does(InitStep... more) {
        for (InitStep step : more) {
            add(step);
            finalStep = step.ends() ? "does(" + step + ")" : null;
        }
        return this;
    }

    /** Steps of module_exit, after its printk; implies {@link #exit()}. */
    public PluginBuilder exitDoes(InitStep... more) {
        exit = true;
        exitSteps.addAll(List.of(more));
        return this;
    }

    private PluginBuilder step(Step step) {
        return add(step);
    }

    private PluginBuilder add(InitStep step) {
        if (finalStep != null) {
            throw new IllegalStateException("no init step can follow " + finalStep);
        }
        steps.add(step);
        return this;
    }

    // ---- the rest of the description ----

    /** module_exit: class Exit whose {@code exit()} printks {@code "<name>: exit"}. */
    public PluginBuilder exit() {
        exit = true;
        return this;
    }

    /** {@code Module-License}, as MODULE_LICENSE. */
    public PluginBuilder license(String license) {
        this.license = Objects.requireNonNull(license, "license");
        return this;
    }

    /** {@code Module-Params}: the parameter names, comma-separated. */
    public PluginBuilder params(String... names) {
        for (String param : names) {
            Objects.requireNonNull(param, "param");
        }
        this.params = List.of(names);
        return this;
    }

    /**
     * Makes the Symbols class the init class: the steps run in its static initializer, and
     * {@code Module-Init} names it. As in a JVM plugin whose API class is also its activator,
     * another thread calling a symbol while init runs blocks in the JVM's class initialization.
     */
    public PluginBuilder initOnSymbols() {
        this.initOnSymbols = true;
        return this;
    }

    /** No init class and no {@code Module-Init}; then no init step may be given. */
    public PluginBuilder noInit() {
        noInit = true;
        return this;
    }

    /**
     * A raw main-section attribute, added after the others or replacing one of them in place
     * (e.g. a bad {@code Module-Name}); a null value removes the attribute.
     */
    public PluginBuilder manifest(String key, String value) {
        new Attributes.Name(Objects.requireNonNull(key, "key")); // checks the key now
        manifestExtras.put(key, value);
        return this;
    }

    /**
     * An extra JAR entry; one at the path of a generated class replaces it. The manifest is
     * {@link #manifest}'s business, not this method's.
     */
    public PluginBuilder resource(String path, byte[] content) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(content, "content");
        if (path.isEmpty() || path.startsWith("/") || path.endsWith("/")
                || path.equalsIgnoreCase(JarFile.MANIFEST_NAME)) {
            throw new IllegalArgumentException("not a resource path: '" + path + "'");
        }
        resources.put(path, content.clone());
        return this;
    }

    // ---- output ----

    /** The JAR's bytes, the same for the same description. */
    public byte[] toJarBytes() {
        if (noInit && !steps.isEmpty()) {
            throw new IllegalStateException(name + ": init steps given with noInit()");
        }
        Map<String, byte[]> entries = new TreeMap<>();
        if (initOnSymbols && (noInit || exports.isEmpty())) {
            throw new IllegalStateException(name + ": initOnSymbols() needs exports and an init");
        }
        if (!exports.isEmpty()) {
            entries.put(internal(symbolsClassOf(name)) + ".class", symbolsClass());
        }
        if (!noInit && !initOnSymbols) {
            entries.put(internal(initClassOf(name)) + ".class", initClass());
        }
        if (exit) {
            entries.put(internal(exitClassOf(name)) + ".class", exitClass());
        }
        entries.putAll(resources);

        return ClassFiles.jar(manifest(), entries);
    }

    /**
     * Writes {@code dir/<name>.jar}, creating {@code dir} if needed.
     *
     * @return the JAR's path
     * @throws UncheckedIOException when it cannot be written
     */
    public Path writeTo(Path dir) {
        return writeTo(dir, name + ".jar");
    }

    /**
     * Writes {@code dir/<fileName>}, creating {@code dir} if needed.
     *
     * @return the JAR's path
     * @throws UncheckedIOException when it cannot be written
     */
    public Path writeTo(Path dir, String fileName) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(fileName, "fileName");
        byte[] jar = toJarBytes();
        Path path = dir.resolve(fileName);
        try {
            Files.createDirectories(dir);
            Files.write(path, jar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return path;
    }

    private Manifest manifest() {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Module-Name", name);
        if (!noInit) {
            main.putValue("Module-Init", initOnSymbols ? symbolsClassOf(name) : initClassOf(name));
        }
        if (exit) {
            main.putValue("Module-Exit", exitClassOf(name));
        }
        if (license != null) {
            main.putValue("Module-License", license);
        }
        if (!exports.isEmpty()) {
            main.putValue("Module-Exports", packageName);
        }
        if (params != null) {
            main.putValue("Module-Params", String.join(",", params));
        }
        // Attributes keeps insertion order, and put on a present key keeps its place.
        manifestExtras.forEach((key, value) -> {
            if (value == null) {
                main.remove(new Attributes.Name(key));
            } else {
                main.putValue(key, value);
            }
        });
        return manifest;
    }

    // ---- class files ----

    private byte[] symbolsClass() {
        ClassWriter writer = newClass(symbolsClassOf(name));
        for (Map.Entry<String, Boolean> export : exports.entrySet()) {
            MethodVisitor method = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC,
                    export.getKey(), "()V", null, null);
            AnnotationVisitor annotation = method.visitAnnotation(EXPORT_DESCRIPTOR, true);
            if (export.getValue()) {
                annotation.visit("gpl", Boolean.TRUE);
            }
            annotation.visitEnd();
            method.visitCode();
            method.visitInsn(Opcodes.RETURN);
            method.visitMaxs(0, 0);
            method.visitEnd();
        }
        if (initOnSymbols) {
            emitClinit(writer, internal(symbolsClassOf(name)));
        }
        writer.visitEnd();
        return writer.toByteArray();
    }

    private byte[] initClass() {
        ClassWriter writer = newClass(initClassOf(name));
        emitClinit(writer, internal(initClassOf(name)));
        writer.visitEnd();
        return writer.toByteArray();
    }

    /** The init steps, in order, as the class's static initializer. */
    private void emitClinit(ClassWriter writer, String owner) {
        MethodVisitor clinit = writer.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
        clinit.visitCode();
        for (InitStep step : steps) {
            step.emit(writer, owner, clinit);
        }
        if (finalStep == null) {
            clinit.visitInsn(Opcodes.RETURN);
        }
        clinit.visitMaxs(0, 0);
        clinit.visitEnd();
    }

    private byte[] exitClass() {
        ClassWriter writer = newClass(exitClassOf(name));
        MethodVisitor method = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "exit", "()V",
                null, null);
        method.visitCode();
        InitSteps.printkLiteral(method, name + ": exit");
        exitSteps.forEach(step -> step.emit(writer, internal(exitClassOf(name)), method));
        if (exitSteps.isEmpty() || !exitSteps.get(exitSteps.size() - 1).ends()) {
            method.visitInsn(Opcodes.RETURN);
        }
        method.visitMaxs(0, 0);
        method.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    @Override
    public String toString() {
        return "plugin(" + name + ") exports " + exports.keySet() + ", " + steps.size() + " init steps"
                + (noInit ? ", no init" : "") + (exit ? ", exit" : "");
    }
}
