package dev.kmodharness.generate;

import static dev.kmodharness.junit.ClassFiles.entryName;
import static dev.kmodharness.junit.ClassFiles.internal;
import static dev.kmodharness.junit.ClassFiles.newClass;

import dev.kmodharness.generate.Generator.Node;
import dev.kmodharness.junit.ClassFiles;
import dev.kmodharness.junit.PluginBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import net.bytebuddy.jar.asm.AnnotationVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * One planned module of a {@link Generator} set written as a plugin JAR: its manifest, its
 * Symbols class, its filler classes and its init class, as the Generator's class comment
 * describes them ({@code top}'s imports split over part classes). Immutable.
 */
final class ModuleJar {

    /** Symbols a single class of {@code top} imports; more go into further classes (constant pool limits). */
    private static final int TOP_IMPORTS_PER_CLASS = 2000;
    private static final String KMOD = "dev/kmodharness/api/Kmod";
    private static final String EXPORT_DESCRIPTOR = "Ldev/kmodharness/api/Export;";

    /** The index of {@code top}, or -1 for a set without it. */
    private final int topIndex;
    private final int classesPerModule;
    private final int initCostIterations;
    /** A module's name by its index. */
    private final IntFunction<String> nameOf;

    ModuleJar(int topIndex, int classesPerModule, int initCostIterations, IntFunction<String> nameOf) {
        this.topIndex = topIndex;
        this.classesPerModule = classesPerModule;
        this.initCostIterations = initCostIterations;
        this.nameOf = nameOf;
    }

    /** The classes top's imports are split into. */
    static int topParts(Node node) {
        return (node.deps().size() + TOP_IMPORTS_PER_CLASS - 1) / TOP_IMPORTS_PER_CLASS;
    }

    /** The JAR of {@code node}, byte-identical for the same node and settings. */
    byte[] bytes(Node node) {
        boolean isTop = node.index() == topIndex;
        String name = node.name();
        String initClass = PluginBuilder.initClassOf(name);
        java.util.TreeMap<String, byte[]> entries = new java.util.TreeMap<>();
        if (isTop) {
            int parts = topParts(node);
            List<String> partClasses = new ArrayList<>();
            for (int p = 0; p < parts; p++) {
                String part = PluginBuilder.packageOf(name) + ".init.Part" + p;
                partClasses.add(part);
                int from = p * TOP_IMPORTS_PER_CLASS;
                int to = Math.min(node.deps().size(), from + TOP_IMPORTS_PER_CLASS);
                entries.put(entryName(part), partClass(part, node, from, to));
            }
            entries.put(entryName(initClass), topInitClass(initClass, partClasses));
        } else {
            entries.put(entryName(PluginBuilder.symbolsClassOf(name)), symbolsClass(name));
            List<String> fillers = new ArrayList<>();
            for (int k = 1; k <= classesPerModule - 2; k++) {
                String filler = PluginBuilder.packageOf(name) + ".init.F" + k;
                fillers.add(filler);
                entries.put(entryName(filler), fillerClass(filler, node.index() * 31 + k));
            }
            entries.put(entryName(initClass), initClass(initClass, node, fillers));
        }
        return ClassFiles.jar(manifest(name, initClass, !isTop), entries);
    }

    private static Manifest manifest(String name, String initClass, boolean exports) {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Module-Name", name);
        main.putValue("Module-Init", initClass);
        main.putValue("Module-License", "GPL");
        if (exports) {
            main.putValue("Module-Exports", PluginBuilder.packageOf(name));
        }
        return manifest;
    }

    private static byte[] symbolsClass(String module) {
        ClassWriter writer = newClass(PluginBuilder.symbolsClassOf(module));
        for (int k = 0; k < Generator.SYMBOLS_PER_MODULE; k++) {
            MethodVisitor method = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC,
                    Generator.symbol(module, k), "()V", null, null);
            AnnotationVisitor annotation = method.visitAnnotation(EXPORT_DESCRIPTOR, true);
            annotation.visitEnd();
            method.visitCode();
            method.visitInsn(Opcodes.RETURN);
            method.visitMaxs(0, 0);
            method.visitEnd();
        }
        writer.visitEnd();
        return writer.toByteArray();
    }

    private static byte[] fillerClass(String binaryName, int value) {
        ClassWriter writer = newClass(binaryName);
        writer.visitField(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "v", "I", null, null).visitEnd();
        MethodVisitor clinit = writer.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
        clinit.visitCode();
        clinit.visitLdcInsn(value);
        clinit.visitFieldInsn(Opcodes.PUTSTATIC, internal(binaryName), "v", "I");
        clinit.visitInsn(Opcodes.RETURN);
        clinit.visitMaxs(0, 0);
        clinit.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    private byte[] initClass(String binaryName, Node node, List<String> fillers) {
        ClassWriter writer = newClass(binaryName);
        writer.visitField(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "sink", "I", null, null).visitEnd();
        MethodVisitor code = writer.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
        code.visitCode();
        for (int d = 0; d < node.deps().size(); d++) {
            String owner = internal(PluginBuilder.symbolsClassOf(nameOf.apply(node.deps().get(d))));
            code.visitMethodInsn(Opcodes.INVOKESTATIC, owner, node.importedSymbols().get(d), "()V", false);
        }
        code.visitMethodInsn(Opcodes.INVOKESTATIC, internal(PluginBuilder.symbolsClassOf(node.name())),
                Generator.symbol(node.name(), 0), "()V", false);
        code.visitLdcInsn(node.index());
        for (String filler : fillers) {
            code.visitFieldInsn(Opcodes.GETSTATIC, internal(filler), "v", "I");
            code.visitInsn(Opcodes.IADD);
        }
        if (initCostIterations > 0) {
            // local 0: x, local 1: i; for (i = 0; i < K; i++) x = x * 1664525 + 1013904223;
            code.visitVarInsn(Opcodes.ISTORE, 0);
            code.visitInsn(Opcodes.ICONST_0);
            code.visitVarInsn(Opcodes.ISTORE, 1);
            Label head = new Label();
            Label end = new Label();
            code.visitLabel(head);
            code.visitFrame(Opcodes.F_APPEND, 2, new Object[] {Opcodes.INTEGER, Opcodes.INTEGER}, 0, null);
            code.visitVarInsn(Opcodes.ILOAD, 1);
            code.visitLdcInsn(initCostIterations);
            code.visitJumpInsn(Opcodes.IF_ICMPGE, end);
            code.visitVarInsn(Opcodes.ILOAD, 0);
            code.visitLdcInsn(1664525);
            code.visitInsn(Opcodes.IMUL);
            code.visitLdcInsn(1013904223);
            code.visitInsn(Opcodes.IADD);
            code.visitVarInsn(Opcodes.ISTORE, 0);
            code.visitIincInsn(1, 1);
            code.visitJumpInsn(Opcodes.GOTO, head);
            code.visitLabel(end);
            code.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
            code.visitVarInsn(Opcodes.ILOAD, 0);
        }
        code.visitFieldInsn(Opcodes.PUTSTATIC, internal(binaryName), "sink", "I");
        if (node.requests() != null) {
            code.visitLdcInsn(node.requests());
            code.visitMethodInsn(Opcodes.INVOKESTATIC, KMOD,
                    node.requestWaits() ? "requestModule" : "requestModuleNowait", "(Ljava/lang/String;)I", false);
            code.visitInsn(Opcodes.POP);
        }
        code.visitInsn(Opcodes.RETURN);
        code.visitMaxs(0, 0);
        code.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    private static byte[] topInitClass(String binaryName, List<String> parts) {
        ClassWriter writer = newClass(binaryName);
        MethodVisitor code = writer.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
        code.visitCode();
        for (String part : parts) {
            code.visitMethodInsn(Opcodes.INVOKESTATIC, internal(part), "run", "()V", false);
        }
        code.visitInsn(Opcodes.RETURN);
        code.visitMaxs(0, 0);
        code.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    private byte[] partClass(String binaryName, Node node, int from, int to) {
        ClassWriter writer = newClass(binaryName);
        MethodVisitor code = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "run", "()V", null, null);
        code.visitCode();
        for (int d = from; d < to; d++) {
            String owner = internal(PluginBuilder.symbolsClassOf(nameOf.apply(node.deps().get(d))));
            code.visitMethodInsn(Opcodes.INVOKESTATIC, owner, node.importedSymbols().get(d), "()V", false);
        }
        code.visitInsn(Opcodes.RETURN);
        code.visitMaxs(0, 0);
        code.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }
}
