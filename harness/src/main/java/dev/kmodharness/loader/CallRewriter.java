package dev.kmodharness.loader;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.ConstantDynamic;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Rewrites, in a module's class file about to be defined, the calls that would escape the
 * kernel. Every call that would end the JVM becomes a call that panics the module's kernel:
 * {@code System.exit(I)V}, {@code Runtime.exit(I)V} and {@code Runtime.halt(I)V}, as invoke
 * instructions, as method handle constants and as bootstrap arguments (method references
 * {@code System::exit}), go to {@link dev.kmodharness.api.JvmExit}. And
 * {@code Class.forName(name, init, loader)}, which the JVM answers from the loader's own record
 * of what it loaded without asking it, goes to {@link dev.kmodharness.api.Linkage}, which
 * serves another module's loader as the caller's own; {@code Lookup.findStatic} there too, which
 * finds only what a static call could link. Cheap: a class file that names none of
 * {@code java/lang/System}, {@code java/lang/Runtime}, {@code forName}, {@code findStatic} is returned as it is
 * after one scan of its bytes; one that does is copied by ASM with its constant pool, only the
 * changed methods rewritten. Reflection and method handles looked up by name are not
 * rewritten (see the README's threat model). Stateless.
 */
final class CallRewriter {

    private static final String JVM_EXIT = "dev/kmodharness/api/JvmExit";
    private static final byte[] SYSTEM = "java/lang/System".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] RUNTIME = "java/lang/Runtime".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] FOR_NAME = "forName".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final String FOR_NAME_DESCRIPTOR = "(Ljava/lang/String;ZLjava/lang/ClassLoader;)Ljava/lang/Class;";
    private static final byte[] FIND_STATIC = "findStatic".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final String LOOKUP = "java/lang/invoke/MethodHandles$Lookup";
    private static final String FIND_STATIC_DESCRIPTOR =
            "(Ljava/lang/Class;Ljava/lang/String;Ljava/lang/invoke/MethodType;)Ljava/lang/invoke/MethodHandle;";

    private CallRewriter() {
    }

    /** The class file with its JVM exits rewritten; {@code bytes} itself when it has none. */
    static byte[] rewrite(byte[] bytes) {
        if (!mentionsAny(bytes)) {
            return bytes;
        }
        ClassReader reader = new ClassReader(bytes);
        ClassWriter writer = new ClassWriter(reader, 0);
        boolean[] changed = {false};
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9, super.visitMethod(access, name, descriptor, signature,
                        exceptions)) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc,
                            boolean isInterface) {
                        if (opcode == Opcodes.INVOKESTATIC && owner.equals("java/lang/Class")
                                && method.equals("forName") && desc.equals(FOR_NAME_DESCRIPTOR)) {
                            changed[0] = true;
                            super.visitMethodInsn(opcode, "dev/kmodharness/api/Linkage", method, desc, false);
                            return;
                        }
                        if (opcode == Opcodes.INVOKEVIRTUAL && owner.equals(LOOKUP) && method.equals("findStatic")
                                && desc.equals(FIND_STATIC_DESCRIPTOR)) {
                            changed[0] = true;
                            // the Lookup receiver stays on the stack: it becomes the first argument
                            super.visitMethodInsn(Opcodes.INVOKESTATIC, "dev/kmodharness/api/Linkage", method,
                                    "(L" + LOOKUP + ";" + desc.substring(1), false);
                            return;
                        }
                        String target = target(owner, method, desc);
                        if (target != null && (opcode == Opcodes.INVOKESTATIC || opcode == Opcodes.INVOKEVIRTUAL)) {
                            changed[0] = true;
                            // a Runtime receiver stays on the stack: it becomes the first argument
                            super.visitMethodInsn(Opcodes.INVOKESTATIC, JVM_EXIT, target,
                                    opcode == Opcodes.INVOKESTATIC ? "(I)V" : "(Ljava/lang/Runtime;I)V", false);
                        } else {
                            super.visitMethodInsn(opcode, owner, method, desc, isInterface);
                        }
                    }

                    @Override
                    public void visitLdcInsn(Object value) {
                        super.visitLdcInsn(constant(value, changed));
                    }

                    @Override
                    public void visitInvokeDynamicInsn(String name, String desc, Handle bootstrap, Object... args) {
                        Object[] mapped = new Object[args.length];
                        for (int i = 0; i < args.length; i++) {
                            mapped[i] = constant(args[i], changed);
                        }
                        super.visitInvokeDynamicInsn(name, desc, bootstrap, mapped);
                    }
                };
            }
        }, 0);
        return changed[0] ? writer.toByteArray() : bytes;
    }

    /** The JvmExit method standing in for {@code owner.method desc}, or null. */
    private static String target(String owner, String method, String desc) {
        if (!desc.equals("(I)V")) {
            return null;
        }
        if (owner.equals("java/lang/System") && method.equals("exit")) {
            return "systemExit";
        }
        if (owner.equals("java/lang/Runtime") && method.equals("exit")) {
            return "runtimeExit";
        }
        if (owner.equals("java/lang/Runtime") && method.equals("halt")) {
            return "runtimeHalt";
        }
        return null;
    }

    /** A handle to a JVM exit becomes a static handle to its JvmExit method; other constants stay. */
    private static Object constant(Object value, boolean[] changed) {
        if (value instanceof Handle handle) {
            String target = target(handle.getOwner(), handle.getName(), handle.getDesc());
            if (target != null && (handle.getTag() == Opcodes.H_INVOKESTATIC
                    || handle.getTag() == Opcodes.H_INVOKEVIRTUAL)) {
                changed[0] = true;
                return new Handle(Opcodes.H_INVOKESTATIC, JVM_EXIT, target,
                        handle.getTag() == Opcodes.H_INVOKESTATIC ? "(I)V" : "(Ljava/lang/Runtime;I)V", false);
            }
        } else if (value instanceof ConstantDynamic dynamic) {
            Object[] args = new Object[dynamic.getBootstrapMethodArgumentCount()];
            for (int i = 0; i < args.length; i++) {
                args[i] = constant(dynamic.getBootstrapMethodArgument(i), changed);
            }
            return new ConstantDynamic(dynamic.getName(), dynamic.getDescriptor(), dynamic.getBootstrapMethod(), args);
        }
        return value;
    }

    /** One pass over the bytes: whether any of the names a rewrite needs occurs. */
    private static boolean mentionsAny(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if ((b == 'j' && (at(bytes, i, SYSTEM) || at(bytes, i, RUNTIME)))
                    || (b == 'f' && (at(bytes, i, FOR_NAME) || at(bytes, i, FIND_STATIC)))) {
                return true;
            }
        }
        return false;
    }

    private static boolean at(byte[] bytes, int i, byte[] pattern) {
        if (i + pattern.length > bytes.length) {
            return false;
        }
        for (int j = 1; j < pattern.length; j++) {
            if (bytes[i + j] != pattern[j]) {
                return false;
            }
        }
        return true;
    }
}
