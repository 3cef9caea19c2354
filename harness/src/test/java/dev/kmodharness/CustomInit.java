package dev.kmodharness;

import static dev.kmodharness.junit.PluginBuilder.initClassOf;

import java.util.function.Consumer;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * Hand-written init classes for what {@link dev.kmodharness.junit.PluginBuilder}'s steps cannot
 * say. Put one in a plugin with {@code .resource(CustomInit.path("a"), CustomInit.of("a", ...))}:
 * a resource at the generated init class's path replaces it.
 */
final class CustomInit {

    private static final String KMOD = "dev/kmodharness/api/Kmod";
    private static final String PRINTK = "(Ljava/lang/String;[Ljava/lang/Object;)V";

    private CustomInit() {
    }

    /** The JAR entry of module {@code module}'s init class. */
    static String path(String module) {
        return internal(module) + ".class";
    }

    /** The class file of module {@code module}'s init class, whose static initializer runs {@code steps} in order. */
    @SafeVarargs
    static byte[] of(String module, Consumer<MethodVisitor>... steps) {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, internal(module), null,
                "java/lang/Object", null);
        MethodVisitor clinit = writer.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
        clinit.visitCode();
        for (Consumer<MethodVisitor> step : steps) {
            step.accept(clinit);
        }
        clinit.visitInsn(Opcodes.RETURN);
        clinit.visitMaxs(0, 0);
        clinit.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    /**
     * {@code Thread.currentThread().setContextClassLoader(Init.class.getClassLoader())}: hands the
     * module's class loader to whoever runs init on that thread (insmod runs it on the caller's).
     */
    static Consumer<MethodVisitor> publishesItsClassLoader(String module) {
        return code -> {
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Thread", "currentThread",
                    "()Ljava/lang/Thread;", false);
            code.visitLdcInsn(Type.getObjectType(internal(module)));
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Class", "getClassLoader",
                    "()Ljava/lang/ClassLoader;", false);
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Thread", "setContextClassLoader",
                    "(Ljava/lang/ClassLoader;)V", false);
        };
    }

    /** {@code Kmod.printk("<module>: init on thread %s", Thread.currentThread().getName())}. */
    static Consumer<MethodVisitor> printsThreadName(String module) {
        return code -> {
            code.visitLdcInsn(module + ": init on thread %s");
            code.visitInsn(Opcodes.ICONST_1);
            code.visitTypeInsn(Opcodes.ANEWARRAY, "java/lang/Object");
            code.visitInsn(Opcodes.DUP);
            code.visitInsn(Opcodes.ICONST_0);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Thread", "currentThread",
                    "()Ljava/lang/Thread;", false);
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Thread", "getName", "()Ljava/lang/String;",
                    false);
            code.visitInsn(Opcodes.AASTORE);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, KMOD, "printk", PRINTK, false);
        };
    }

    private static String internal(String module) {
        return initClassOf(module).replace('.', '/');
    }
}
