package dev.kmodharness.junit;

import static dev.kmodharness.junit.PluginBuilder.initClassOf;

import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Init classes that misbehave as buggy or hostile module code does: spin or block outside any
 * harness wait (for the kernel's lockup detectors and lockdep on the JVM's own waits), or harm
 * the JVM the harness runs in. Each replaces a {@link PluginBuilder} plugin's init class:
 *
 * <pre>{@code
 * plugin("a").resource(HostileInit.path("a"), HostileInit.spinning("a")).writeTo(dir);
 * }</pre>
 *
 * A hanging one ends when its thread is interrupted (the spin checks the flag, the sleep
 * throws), so a test can stop it; the sleeping init then fails with the InterruptedException.
 */
public final class HostileInit {

    private static final String THREAD = "java/lang/Thread";

    private HostileInit() {
    }

    /** The JAR entry of module {@code module}'s init class, for {@link PluginBuilder#resource}. */
    public static String path(String module) {
        return internal(module) + ".class";
    }

    /** {@code while (!Thread.currentThread().isInterrupted()) { }}: a busy loop (a soft lockup). */
    public static byte[] spinning(String module) {
        return of(module, code -> {
            Label loop = new Label();
            code.visitLabel(loop);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, THREAD, "currentThread", "()Ljava/lang/Thread;", false);
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, THREAD, "isInterrupted", "()Z", false);
            code.visitJumpInsn(Opcodes.IFEQ, loop);
        });
    }

    /** {@code Thread.sleep(Long.MAX_VALUE)}: blocked outside the harness (a hung task). */
    public static byte[] sleeping(String module) {
        return of(module, code -> {
            code.visitLdcInsn(Long.MAX_VALUE);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, THREAD, "sleep", "(J)V", false);
        });
    }

    /**
     * {@code synchronized (lock) { Kmod.requestModule(requested); }}, {@code lock} a string
     * constant: the JVM interns it, so every module naming the same constant shares the monitor.
     */
    public static byte[] requestingUnderMonitor(String module, String lock, String requested) {
        return of(module, code -> {
            code.visitLdcInsn(lock);
            code.visitInsn(Opcodes.MONITORENTER);
            code.visitLdcInsn(requested);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "dev/kmodharness/api/Kmod", "requestModule",
                    "(Ljava/lang/String;)I", false);
            code.visitInsn(Opcodes.POP);
            code.visitLdcInsn(lock);
            code.visitInsn(Opcodes.MONITOREXIT);
        });
    }

    /** {@code synchronized (lock) { }}, {@code lock} a string constant (see {@link #requestingUnderMonitor}). */
    public static byte[] enteringMonitor(String module, String lock) {
        return of(module, code -> {
            code.visitLdcInsn(lock);
            code.visitInsn(Opcodes.MONITORENTER);
            code.visitLdcInsn(lock);
            code.visitInsn(Opcodes.MONITOREXIT);
        });
    }

    /** {@code System.out.close(); System.err.close();}: the streams every later print would use. */
    public static byte[] closingSystemStreams(String module) {
        return of(module, code -> {
            for (String stream : new String[] {"out", "err"}) {
                code.visitFieldInsn(Opcodes.GETSTATIC, "java/lang/System", stream, "Ljava/io/PrintStream;");
                code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/io/PrintStream", "close", "()V", false);
            }
        });
    }

    /**
     * {@code Locale.setDefault(Locale.forLanguageTag(tag))}: e.g. "th-TH-u-nu-thai", whose
     * digits are Thai wherever a format follows the default locale.
     */
    public static byte[] settingDefaultLocale(String module, String tag) {
        return of(module, code -> {
            code.visitLdcInsn(tag);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/util/Locale", "forLanguageTag",
                    "(Ljava/lang/String;)Ljava/util/Locale;", false);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/util/Locale", "setDefault", "(Ljava/util/Locale;)V", false);
        });
    }

    /**
     * {@code new Thread(new Init(), threadName).start()}, the init class a Runnable whose run()
     * parks until interrupted: a thread of module code that outlives its init (and pins the
     * module's class loader while it runs).
     */
    public static byte[] startingThread(String module, String threadName) {
        String self = internal(module);
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS | ClassWriter.COMPUTE_FRAMES);
        writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, self, null, "java/lang/Object",
                new String[] {"java/lang/Runnable"});
        MethodVisitor init = writer.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        MethodVisitor run = writer.visitMethod(Opcodes.ACC_PUBLIC, "run", "()V", null, null);
        run.visitCode();
        Label loop = new Label();
        Label done = new Label();
        run.visitLabel(loop);
        run.visitMethodInsn(Opcodes.INVOKESTATIC, THREAD, "interrupted", "()Z", false);
        run.visitJumpInsn(Opcodes.IFNE, done);
        run.visitMethodInsn(Opcodes.INVOKESTATIC, "java/util/concurrent/locks/LockSupport", "park", "()V", false);
        run.visitJumpInsn(Opcodes.GOTO, loop);
        run.visitLabel(done);
        run.visitInsn(Opcodes.RETURN);
        run.visitMaxs(0, 0);
        run.visitEnd();
        MethodVisitor clinit = writer.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
        clinit.visitCode();
        clinit.visitTypeInsn(Opcodes.NEW, THREAD);
        clinit.visitInsn(Opcodes.DUP);
        clinit.visitTypeInsn(Opcodes.NEW, self);
        clinit.visitInsn(Opcodes.DUP);
        clinit.visitMethodInsn(Opcodes.INVOKESPECIAL, self, "<init>", "()V", false);
        clinit.visitLdcInsn(threadName);
        clinit.visitMethodInsn(Opcodes.INVOKESPECIAL, THREAD, "<init>", "(Ljava/lang/Runnable;Ljava/lang/String;)V", false);
        clinit.visitMethodInsn(Opcodes.INVOKEVIRTUAL, THREAD, "start", "()V", false);
        clinit.visitInsn(Opcodes.RETURN);
        clinit.visitMaxs(0, 0);
        clinit.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    private static byte[] of(String module, java.util.function.Consumer<MethodVisitor> body) {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS | ClassWriter.COMPUTE_FRAMES);
        writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, internal(module), null,
                "java/lang/Object", null);
        MethodVisitor clinit = writer.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
        clinit.visitCode();
        body.accept(clinit);
        clinit.visitInsn(Opcodes.RETURN);
        clinit.visitMaxs(0, 0);
        clinit.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    private static String internal(String module) {
        return initClassOf(module).replace('.', '/');
    }
}
