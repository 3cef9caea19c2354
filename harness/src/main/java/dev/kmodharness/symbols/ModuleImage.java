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
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

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
        for (String className : scanOrder()) {
            try {
                new ClassReader(classes.get(className)).accept(scan.forClass(className),
                        ClassReader.SKIP_FRAMES | ClassReader.SKIP_DEBUG);
            } catch (RuntimeException e) {
                throw new InvalidModuleException(file + ": corrupt class " + className + ": " + e);
            }
            if (scan.fault != null) {
                throw new InvalidModuleException(scan.fault);
            }
        }
        this.exports = List.copyOf(scan.exports.values());
        this.imports = List.copyOf(scan.imports);
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
            manifest = jarFile.getManifest();
            Enumeration<JarEntry> entries = jarFile.entries();
            while (entries.hasMoreElements()) {
                JarEntry entry = entries.nextElement();
                String entryName = entry.getName();
                if (entry.isDirectory() || entryName.equals(JarFile.MANIFEST_NAME)) {
                    continue;
                }
                byte[] bytes = jarFile.getInputStream(entry).readAllBytes();
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

    /** Collects exports and imports over the class files; not thread-safe, one per read. */
    private final class Scan {
        final String file;
        final Map<String, ExportedSymbol> exports = new java.util.LinkedHashMap<>();
        final LinkedHashSet<MemberRef> imports = new LinkedHashSet<>();
        String fault;

        Scan(String file) {
            this.file = file;
        }

        ClassVisitor forClass(String className) {
            boolean exported = exportedPackages.contains(Jdk.packageOf(className));
            return new ClassVisitor(Opcodes.ASM9) {
                @Override
                public MethodVisitor visitMethod(int access, String method, String descriptor,
                        String signature, String[] exceptions) {
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
                                String pkg = owner.lastIndexOf('/') < 0 ? ""
                                        : owner.substring(0, owner.lastIndexOf('/')).replace('/', '.');
                                if (!ownPackages.contains(pkg) && !Jdk.isPlatformPackage(pkg)) {
                                    imports.add(new MemberRef(owner, called, calledDescriptor));
                                }
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
