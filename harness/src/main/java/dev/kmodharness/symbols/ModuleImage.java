package dev.kmodharness.symbols;

import static net.bytebuddy.jar.asm.Opcodes.ACC_PUBLIC;
import static net.bytebuddy.jar.asm.Opcodes.ACC_STATIC;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import net.bytebuddy.jar.asm.AnnotationVisitor;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ConstantDynamic;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * A module file read into memory: the .ko before load_module. Holds the manifest's contract
 * attributes, every class's bytes, the export table (from {@code @Export} annotations) and the
 * imports (static calls into other modules, in order of first appearance), all read from the
 * class files without loading any of them. Immutable.
 */
public final class ModuleImage {

    private static final Pattern NAME = Pattern.compile("[a-z0-9_]{1,55}");
    private static final Pattern PACKAGE = Pattern.compile("[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*(\\.[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*)*");
    private static final String EXPORT_DESCRIPTOR = "Ldev/kmodharness/api/Export;";

    private final Path path;
    private final String name;
    private final String initClass;
    private final String exitClass;
    private final String license;
    private final List<String> exportedPackages;
    private final List<String> params;
    private final Map<String, byte[]> classes;
    private final Map<String, byte[]> resources;
    private final Set<String> ownPackages;
    private final List<ExportedSymbol> exports;
    private final List<MemberRef> imports;
    /** Classes of other packages the bytecode names (fields, types, handles), first appearance first. */
    private final List<String> classRefs;
    /** The first class that this JVM cannot define, as a one-line fault; null when all can be. */
    private final String formatFault;
    private final long size;

    private ModuleImage(Path path, Manifest manifest, Map<String, byte[]> classes,
            Map<String, byte[]> resources) throws InvalidModuleException {
        this.path = path;
        Attributes main = manifest.getMainAttributes();
        String file = path.getFileName().toString();
        String moduleName = main.getValue("Module-Name");
        if (moduleName == null || moduleName.isBlank()) {
            throw new InvalidModuleException(file + ": no Module-Name in the manifest");
        }
        this.name = moduleName.trim();
        if (!NAME.matcher(name).matches()) {
            throw new InvalidModuleException(file + ": invalid Module-Name '" + name + "' (want [a-z0-9_]{1,55})");
        }
        this.classes = Map.copyOf(classes);
        this.resources = Map.copyOf(resources);
        Set<String> packages = new HashSet<>();
        classes.keySet().forEach(c -> packages.add(Jdk.packageOf(c)));
        this.ownPackages = Set.copyOf(packages);
        this.initClass = classAttribute(main, "Module-Init", file);
        this.exitClass = classAttribute(main, "Module-Exit", file);
        String lic = main.getValue("Module-License");
        this.license = lic == null || lic.isBlank() ? null : lic.trim();
        this.exportedPackages = list(main.getValue("Module-Exports"));
        for (String pkg : exportedPackages) {
            if (!PACKAGE.matcher(pkg).matches() || Jdk.isPlatformPackage(pkg)) {
                throw new InvalidModuleException(file + ": cannot export package '" + pkg + "'");
            }
        }
        this.params = list(main.getValue("Module-Params"));
        for (String param : params) {
            if (!NAME.matcher(param).matches()) {
                throw new InvalidModuleException(file + ": invalid parameter name '" + param + "'");
            }
        }
        Scan scan = new Scan(file);
        String fault = null;
        for (String className : scanOrder()) {
            byte[] bytes = classes.get(className);
            String classFault = ClassFormat.check(className, bytes);
            if (classFault == null) {
                try {
                    ClassReader reader = new ClassReader(bytes);
                    classFault = ClassFormat.checkName(className, reader.getClassName());
                    if (classFault == null) {
                        reader.accept(scan.forClass(className), ClassReader.SKIP_FRAMES | ClassReader.SKIP_DEBUG);
                    }
                } catch (RuntimeException e) {
                    classFault = ClassFormat.entryName(className) + ": corrupt class file (" + e + ")";
                }
            }
            if (fault == null) {
                fault = classFault;
            }
            if (scan.fault != null) {
                throw new InvalidModuleException(scan.fault);
            }
        }
        this.formatFault = fault;
        if (exitClass != null && !scan.exitFound) {
            // module_exit is linked like any symbol: an exit class without public static void
            // exit() is an unknown symbol when the module is loaded.
            scan.imports.add(new MemberRef(exitClass.replace('.', '/'), "exit", "()V"));
        }
        this.exports = List.copyOf(scan.exports.values());
        this.imports = List.copyOf(scan.imports);
        this.classRefs = List.copyOf(scan.classRefs);
        this.size = classes.values().stream().mapToLong(b -> b.length).sum()
                + resources.values().stream().mapToLong(b -> b.length).sum();
    }

    /**
     * Reads a module JAR.
     *
     * @throws InvalidModuleException when it is not a JAR, has no valid contract manifest, or
     *     its classes are corrupt (the kernel's -ENOEXEC)
     * @throws IOException when it cannot be read at all
     */
    public static ModuleImage read(Path jar) throws InvalidModuleException, IOException {
        String file = jar.getFileName().toString();
        Map<String, byte[]> classes = new TreeMap<>();
        Map<String, byte[]> resources = new TreeMap<>();
        Manifest manifest;
        try (JarFile jarFile = new JarFile(jar.toFile(), false)) {
            manifest = ImageLimits.manifest(jarFile, file);
            Enumeration<JarEntry> entries = jarFile.entries();
            ImageLimits limits = new ImageLimits(file);
            while (entries.hasMoreElements()) {
                JarEntry entry = entries.nextElement();
                String entryName = entry.getName();
                if (entry.isDirectory() || entryName.equals(JarFile.MANIFEST_NAME)) {
                    continue;
                }
                byte[] bytes = limits.read(jarFile, entry);
                if (entryName.endsWith(".class") && !entryName.startsWith("META-INF/")
                        && !entryName.endsWith("module-info.class")) {
                    classes.put(entryName.substring(0, entryName.length() - 6).replace('/', '.'), bytes);
                } else {
                    resources.put(entryName, bytes);
                }
            }
        } catch (java.util.zip.ZipException | SecurityException e) {
            throw new InvalidModuleException(file + ": not a module JAR (" + e.getMessage() + ")");
        }
        if (manifest == null) {
            throw new InvalidModuleException(file + ": not a module JAR (no manifest)");
        }
        return new ModuleImage(jar, manifest, classes, resources);
    }

    public Path path() {
        return path;
    }

    public String name() {
        return name;
    }

    /** Binary name of the Module-Init class, or null. */
    public String initClass() {
        return initClass;
    }

    /** Binary name of the Module-Exit class, or null. */
    public String exitClass() {
        return exitClass;
    }

    /** Module-License, or null when none is given (the kernel then says 'unspecified'). */
    public String license() {
        return license;
    }

    public List<String> exportedPackages() {
        return exportedPackages;
    }

    public List<String> params() {
        return params;
    }

    public List<ExportedSymbol> exports() {
        return exports;
    }

    /** The static methods of other modules this module calls, in order of first appearance. */
    public List<MemberRef> imports() {
        return imports;
    }

    /**
     * The binary names of the classes of other modules' packages that this module's bytecode
     * names other than by a static call: field instructions, class constants, types it creates
     * or casts to, its superclasses and interfaces, method handles; in order of first
     * appearance. depmod counts them as dependencies; the class gate links them.
     */
    public List<String> classRefs() {
        return classRefs;
    }

    /**
     * Why this JVM cannot define one of the module's classes (a class-file version it does not
     * run, a class whose name is not its entry's, a class file ASM cannot parse), as one line
     * naming the entry; null when every class can be defined. Loading such a module fails with
     * -ENOEXEC, as a malformed .ko does.
     */
    public String formatFault() {
        return formatFault;
    }

    /**
     * A JAR entry's bytes: a resource, or a class file by its entry path
     * ({@code a/b/C.class}); null when there is no such entry.
     */
    public byte[] entry(String entryName) {
        byte[] bytes = resources.get(entryName);
        if (bytes == null && entryName.endsWith(".class")) {
            bytes = classes.get(entryName.substring(0, entryName.length() - 6).replace('/', '.'));
        }
        return bytes;
    }

    /** The class file of {@code binaryName}, or null when this module has no such class. */
    public byte[] classBytes(String binaryName) {
        return classes.get(binaryName);
    }

    /** The binary names of this module's classes, sorted. */
    public java.util.Set<String> classNames() {
        return new java.util.TreeSet<>(classes.keySet());
    }

    public byte[] resource(String entryName) {
        return resources.get(entryName);
    }

    /** Whether a class of {@code pkg} (dotted) is in this JAR. */
    public boolean ownsPackage(String pkg) {
        return ownPackages.contains(pkg);
    }

    /** Bytes of classes and resources: the Size column of lsmod. */
    public long size() {
        return size;
    }

    private List<String> scanOrder() {
        List<String> order = new ArrayList<>();
        if (initClass != null) {
            order.add(initClass);
        }
        classes.keySet().stream().filter(c -> !c.equals(initClass)).forEach(order::add);
        return order;
    }

    private String classAttribute(Attributes main, String attribute, String file) throws InvalidModuleException {
        String value = main.getValue(attribute);
        if (value == null || value.isBlank()) {
            return null;
        }
        value = value.trim();
        if (!classes.containsKey(value)) {
            throw new InvalidModuleException(file + ": " + attribute + " class " + value + " is not in the JAR");
        }
        return value;
    }

    private static List<String> list(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).distinct().toList();
    }

    /**
     * Collects exports and imports over the class files; not thread-safe, one per read. Every
     * way bytecode links to another class counts: a static call or a method handle of a static
     * method is a symbol import; a field instruction, a type, a class constant, any other
     * method handle or call, a superclass or interface is a class reference.
     */
    private final class Scan {
        final String file;
        final Map<String, ExportedSymbol> exports = new java.util.LinkedHashMap<>();
        final LinkedHashSet<MemberRef> imports = new LinkedHashSet<>();
        final LinkedHashSet<String> classRefs = new LinkedHashSet<>();
        String fault;
        /** Whether the Module-Exit class has {@code public static void exit()}. */
        boolean exitFound;

        Scan(String file) {
            this.file = file;
        }

        /** Owners already classified: the same few recur in every method. */
        final Map<String, Boolean> foreignOwners = new java.util.HashMap<>();

        /** Whether a class of internal name {@code owner} is another module's, not the JDK's or ours. */
        boolean foreign(String owner) {
            return foreignOwners.computeIfAbsent(owner, o -> {
                String pkg = o.lastIndexOf('/') < 0 ? "" : o.substring(0, o.lastIndexOf('/')).replace('/', '.');
                return !ownPackages.contains(pkg) && !Jdk.isPlatformPackage(pkg);
            });
        }

        void staticCall(String owner, String name, String descriptor) {
            if (foreign(owner)) {
                imports.add(new MemberRef(owner, name, descriptor));
            }
        }

        void classRef(String internalName) {
            if (internalName == null) {
                return;
            }
            String element = internalName;
            if (element.startsWith("[")) {
                Type type = Type.getType(element).getElementType();
                if (type.getSort() != Type.OBJECT) {
                    return;
                }
                element = type.getInternalName();
            }
            if (foreign(element)) {
                classRefs.add(element.replace('/', '.'));
            }
        }

        void constant(Object value) {
            if (value instanceof Handle handle) {
                if (handle.getTag() == Opcodes.H_INVOKESTATIC) {
                    staticCall(handle.getOwner(), handle.getName(), handle.getDesc());
                } else {
                    classRef(handle.getOwner());
                }
            } else if (value instanceof Type type && (type.getSort() == Type.OBJECT || type.getSort() == Type.ARRAY)) {
                classRef(type.getInternalName());
            } else if (value instanceof ConstantDynamic dynamic) {
                constant(dynamic.getBootstrapMethod());
                for (int i = 0; i < dynamic.getBootstrapMethodArgumentCount(); i++) {
                    constant(dynamic.getBootstrapMethodArgument(i));
                }
            }
        }

        ClassVisitor forClass(String className) {
            boolean exported = exportedPackages.contains(Jdk.packageOf(className));
            boolean exit = className.equals(exitClass);
            return new ClassVisitor(Opcodes.ASM9) {
                @Override
                public void visit(int version, int access, String name, String signature, String superName,
                        String[] interfaces) {
                    classRef(superName);
                    if (interfaces != null) {
                        for (String i : interfaces) {
                            classRef(i);
                        }
                    }
                }

                @Override
                public MethodVisitor visitMethod(int access, String method, String descriptor,
                        String signature, String[] exceptions) {
                    if (exit && method.equals("exit") && descriptor.equals("()V")
                            && (access & (ACC_PUBLIC | ACC_STATIC)) == (ACC_PUBLIC | ACC_STATIC)) {
                        exitFound = true;
                    }
                    return new MethodVisitor(Opcodes.ASM9) {
                        @Override
                        public AnnotationVisitor visitAnnotation(String annotation, boolean visible) {
                            if (!EXPORT_DESCRIPTOR.equals(annotation)) {
                                return null;
                            }
                            return new AnnotationVisitor(Opcodes.ASM9) {
                                String symbol = method;
                                boolean gpl;

                                @Override
                                public void visit(String key, Object value) {
                                    if (key.equals("value") && !((String) value).isEmpty()) {
                                        symbol = (String) value;
                                    } else if (key.equals("gpl")) {
                                        gpl = (Boolean) value;
                                    }
                                }

                                @Override
                                public void visitEnd() {
                                    export(className, exported, access, method, descriptor, symbol, gpl);
                                }
                            };
                        }

                        @Override
                        public void visitMethodInsn(int opcode, String owner, String called,
                                String calledDescriptor, boolean isInterface) {
                            if (opcode == Opcodes.INVOKESTATIC) {
                                staticCall(owner, called, calledDescriptor);
                            } else {
                                classRef(owner);
                            }
                        }

                        @Override
                        public void visitFieldInsn(int opcode, String owner, String name, String fieldDescriptor) {
                            classRef(owner);
                        }

                        @Override
                        public void visitTypeInsn(int opcode, String type) {
                            classRef(type);
                        }

                        @Override
                        public void visitMultiANewArrayInsn(String arrayDescriptor, int numDimensions) {
                            classRef(arrayDescriptor);
                        }

                        @Override
                        public void visitLdcInsn(Object value) {
                            constant(value);
                        }

                        @Override
                        public void visitInvokeDynamicInsn(String name, String indyDescriptor, Handle bootstrap,
                                Object... arguments) {
                            // A method reference Other::fn is a handle among the bootstrap arguments.
                            constant(bootstrap);
                            for (Object argument : arguments) {
                                constant(argument);
                            }
                        }
                    };
                }
            };
        }

        void export(String className, boolean exported, int access, String method,
                String descriptor, String symbol, boolean gpl) {
            String where = className + "." + method;
            if (!exported) {
                fault = file + ": @Export on " + where + " outside Module-Exports";
            } else if ((access & (ACC_PUBLIC | ACC_STATIC)) != (ACC_PUBLIC | ACC_STATIC)) {
                fault = file + ": @Export on " + where + ", which is not public static";
            } else if (exports.containsKey(symbol)) {
                fault = file + ": symbol " + symbol + " exported twice";
            } else {
                exports.put(symbol, new ExportedSymbol(symbol, gpl,
                        new MemberRef(className.replace('.', '/'), method, descriptor)));
            }
        }
    }
}
