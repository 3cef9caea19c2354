package dev.kmodharness.junit;

import static dev.kmodharness.junit.ClassFiles.internal;

import java.lang.reflect.Constructor;
import java.util.List;
import java.util.function.Consumer;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * Init steps for {@link PluginBuilder#does}: the ways module code fails or misbehaves, and the
 * ways Java code links beyond a static call. Each writes real bytecode:
 * <ul>
 *   <li>{@link #throwsNew}: {@code throw new T(message)}, any throwable class of the JDK;
 *     {@link #recursesForever} (a real StackOverflowError), {@link #allocatesHugeArray} (a real
 *     OutOfMemoryError: {@code new long[Integer.MAX_VALUE]}).</li>
 *   <li>{@link #systemExit}, {@link #runtimeExit}, {@link #runtimeHalt},
 *     {@link #exitsByMethodReference} ({@code IntConsumer c = System::exit}),
 *     {@link #catchingEverything} (the step inside {@code try ... catch (Throwable t) {}}).</li>
 *   <li>{@link #interruptsItself}: {@code Thread.currentThread().interrupt()}.</li>
 *   <li>Hostile code, for the lockup detectors, lockdep on the JVM's own waits and the harness's
 *     self-protection: {@link #spinsUntilInterrupted}, {@link #sleepsForever},
 *     {@link #parksUntilInterrupted}, {@link #startsThread}, {@link #synchronizedOn} (with
 *     {@link #requestsModule}), {@link #closesSystemStreams}, {@link #setsDefaultLocale}. A
 *     hanging one ends when its thread is interrupted, so a test can stop it.</li>
 *   <li>{@link #schedulesWork} / {@link #asyncSchedules}: {@code Kmod.scheduleWork(new W())},
 *     W a {@link #runnableClass} of the module's JAR whose {@code run()} does the given steps.</li>
 *   <li>{@link #callsByMethodReference}: {@code Runnable r = kmodtest.<m>.Symbols::symbol;
 *     r.run()}; {@link #findsStatic}: {@code lookup.findStatic(...)} of a symbol;
 *     {@link #loadsClassVia}: {@code Class.forName(name, false,
 *     kmodtest.<via>.Symbols.class.getClassLoader())}; {@link #actsAs}: another module's loader
 *     cast to {@code Kmod.HostLoader}, its {@code kmodHost().printk(...)}.</li>
 *   <li>{@link #printsContextClassLoader}, {@link #printsThreadName}, {@link #printsResource},
 *     {@link #printsResourceCount}, {@link #runsService}: printk what the module sees of itself;
 *     {@link #publishesItsClassLoader}: the module's loader as the thread's context loader.</li>
 * </ul>
 */
public final class InitSteps {

    private static final String KMOD = "dev/kmodharness/api/Kmod";
    private static final String MODULE_INIT_EXCEPTION = "dev/kmodharness/api/ModuleInitException";
    private static final String THREAD = "java/lang/Thread";
    private static final String PRINTK_DESCRIPTOR = "(Ljava/lang/String;[Ljava/lang/Object;)V";
    private static final Handle METAFACTORY = new Handle(Opcodes.H_INVOKESTATIC,
            "java/lang/invoke/LambdaMetafactory", "metafactory",
            "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;"
                    + "Ljava/lang/invoke/MethodType;Ljava/lang/invoke/MethodHandle;Ljava/lang/invoke/MethodType;)"
                    + "Ljava/lang/invoke/CallSite;", false);

    private InitSteps() {
    }

    /** A named step, so a builder's error message can say which. */
    private static InitStep named(String text, boolean ends, InitStep step) {
        return new InitStep() {
            @Override
            public void emit(ClassVisitor cls, String owner, MethodVisitor code) {
                step.emit(cls, owner, code);
            }

            @Override
            public boolean ends() {
                return ends;
            }

            @Override
            public String toString() {
                return text;
            }
        };
    }

    /** Final step: {@code throw new T(message)}, with T's (String) or (Object) constructor. */
    public static InitStep throwsNew(Class<? extends Throwable> type, String message) {
        String descriptor = constructorTaking(type, String.class) ? "(Ljava/lang/String;)V" : "(Ljava/lang/Object;)V";
        String name = Type.getInternalName(type);
        return named("throwsNew(" + type.getSimpleName() + ")", true, (cls, owner, code) -> {
            code.visitTypeInsn(Opcodes.NEW, name);
            code.visitInsn(Opcodes.DUP);
            code.visitLdcInsn(message);
            code.visitMethodInsn(Opcodes.INVOKESPECIAL, name, "<init>", descriptor, false);
            code.visitInsn(Opcodes.ATHROW);
        });
    }

    private static boolean constructorTaking(Class<?> type, Class<?> parameter) {
        for (Constructor<?> c : type.getConstructors()) {
            if (c.getParameterCount() == 1 && c.getParameterTypes()[0] == parameter) {
                return true;
            }
        }
        return false;
    }

    /** Step: calls a static method {@code recurse()} of the class that calls itself: StackOverflowError. */
    public static InitStep recursesForever() {
        return named("recursesForever()", false, (cls, owner, code) -> {
            MethodVisitor recurse = cls.visitMethod(Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC, "recurse", "()V", null, null);
            recurse.visitCode();
            recurse.visitMethodInsn(Opcodes.INVOKESTATIC, owner, "recurse", "()V", false);
            recurse.visitInsn(Opcodes.RETURN);
            recurse.visitMaxs(0, 0);
            recurse.visitEnd();
            code.visitMethodInsn(Opcodes.INVOKESTATIC, owner, "recurse", "()V", false);
        });
    }

    /** Step: {@code new long[Integer.MAX_VALUE]}: OutOfMemoryError, without using the memory. */
    public static InitStep allocatesHugeArray() {
        return named("allocatesHugeArray()", false, (cls, owner, code) -> {
            code.visitLdcInsn(Integer.MAX_VALUE);
            code.visitIntInsn(Opcodes.NEWARRAY, Opcodes.T_LONG);
            code.visitInsn(Opcodes.POP);
        });
    }

    /** Step: {@code System.exit(status)}. */
    public static InitStep systemExit(int status) {
        return named("systemExit(" + status + ")", false, (cls, owner, code) -> {
            code.visitLdcInsn(status);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/System", "exit", "(I)V", false);
        });
    }

    /** Step: {@code Runtime.getRuntime().exit(status)}. */
    public static InitStep runtimeExit(int status) {
        return runtime("exit", status);
    }

    /** Step: {@code Runtime.getRuntime().halt(status)}. */
    public static InitStep runtimeHalt(int status) {
        return runtime("halt", status);
    }

    private static InitStep runtime(String method, int status) {
        return named("runtime " + method + "(" + status + ")", false, (cls, owner, code) -> {
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Runtime", "getRuntime", "()Ljava/lang/Runtime;", false);
            code.visitLdcInsn(status);
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Runtime", method, "(I)V", false);
        });
    }

    /** Step: {@code IntConsumer exit = System::exit; exit.accept(status)}. */
    public static InitStep exitsByMethodReference(int status) {
        return named("exitsByMethodReference(" + status + ")", false, (cls, owner, code) -> {
            code.visitInvokeDynamicInsn("accept", "()Ljava/util/function/IntConsumer;", METAFACTORY,
                    Type.getType("(I)V"), new Handle(Opcodes.H_INVOKESTATIC, "java/lang/System", "exit", "(I)V", false),
                    Type.getType("(I)V"));
            code.visitLdcInsn(status);
            code.visitMethodInsn(Opcodes.INVOKEINTERFACE, "java/util/function/IntConsumer", "accept", "(I)V", true);
        });
    }

    /**
     * Step: {@code try { <step> } catch (Throwable t) { }}, as plugin code that swallows
     * everything would. The step must not be a final one.
     */
    public static InitStep catchingEverything(InitStep step) {
        return named("catchingEverything(" + step + ")", false, (cls, owner, code) -> {
            Label start = new Label();
            Label end = new Label();
            Label handler = new Label();
            Label after = new Label();
            code.visitTryCatchBlock(start, end, handler, "java/lang/Throwable");
            code.visitLabel(start);
            step.emit(cls, owner, code);
            code.visitLabel(end);
            code.visitJumpInsn(Opcodes.GOTO, after);
            code.visitLabel(handler);
            code.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {"java/lang/Throwable"});
            code.visitInsn(Opcodes.POP);
            code.visitLabel(after);
            code.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
        });
    }

    /** Step: {@code Thread.currentThread().interrupt()}: the flag is left set when init returns. */
    public static InitStep interruptsItself() {
        return named("interruptsItself()", false, (cls, owner, code) -> {
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Thread", "currentThread", "()Ljava/lang/Thread;", false);
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Thread", "interrupt", "()V", false);
        });
    }

    /**
     * Step: {@code Kmod.scheduleWork(new W())}, W a Runnable of the module's own JAR (see
     * {@link #runnableClass}). A class of its own, not a lambda of the init class: work that
     * calls into a class whose initializer is still running would wait for it to finish.
     */
    public static InitStep schedulesWork(String runnable) {
        return work("scheduleWork", runnable);
    }

    /** Step: {@code Kmod.asyncSchedule(new W())}, W a Runnable of the module's own JAR. */
    public static InitStep asyncSchedules(String runnable) {
        return work("asyncSchedule", runnable);
    }

    private static InitStep work(String kmodMethod, String runnable) {
        String type = internal(runnable);
        return named(kmodMethod + "(" + runnable + ")", false, (cls, owner, code) -> {
            code.visitTypeInsn(Opcodes.NEW, type);
            code.visitInsn(Opcodes.DUP);
            code.visitMethodInsn(Opcodes.INVOKESPECIAL, type, "<init>", "()V", false);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, KMOD, kmodMethod, "(Ljava/lang/Runnable;)V", false);
        });
    }

    /** Step: {@code Kmod.printk(line)}, the line taken literally. */
    public static InitStep printk(String line) {
        return named("printk(" + line + ")", false, (cls, owner, code) -> printkLiteral(code, line));
    }

    /** Step: {@code Runnable r = kmodtest.<module>.Symbols::symbol; r.run()}: an import by method reference. */
    public static InitStep callsByMethodReference(String module, String symbol) {
        String symbols = internal(PluginBuilder.symbolsClassOf(module));
        return named("callsByMethodReference(" + module + ", " + symbol + ")", false, (cls, owner, code) -> {
            code.visitInvokeDynamicInsn("run", "()Ljava/lang/Runnable;", METAFACTORY, Type.getType("()V"),
                    new Handle(Opcodes.H_INVOKESTATIC, symbols, symbol, "()V", false), Type.getType("()V"));
            code.visitMethodInsn(Opcodes.INVOKEINTERFACE, "java/lang/Runnable", "run", "()V", true);
        });
    }

    /**
     * Step: {@code MethodHandles.lookup().findStatic(kmodtest.<module>.Symbols.class, symbol,
     * methodType(void.class)).invokeExact()}: a symbol looked up by name.
     */
    public static InitStep findsStatic(String module, String symbol) {
        String symbols = internal(PluginBuilder.symbolsClassOf(module));
        return named("findsStatic(" + module + ", " + symbol + ")", false, (cls, owner, code) -> {
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/invoke/MethodHandles", "lookup",
                    "()Ljava/lang/invoke/MethodHandles$Lookup;", false);
            code.visitLdcInsn(Type.getObjectType(symbols));
            code.visitLdcInsn(symbol);
            code.visitFieldInsn(Opcodes.GETSTATIC, "java/lang/Void", "TYPE", "Ljava/lang/Class;");
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/invoke/MethodType", "methodType",
                    "(Ljava/lang/Class;)Ljava/lang/invoke/MethodType;", false);
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/invoke/MethodHandles$Lookup", "findStatic",
                    "(Ljava/lang/Class;Ljava/lang/String;Ljava/lang/invoke/MethodType;)Ljava/lang/invoke/MethodHandle;",
                    false);
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/invoke/MethodHandle", "invokeExact", "()V", false);
        });
    }

    /** Pushes {@code kmodtest.<module>.Symbols.class.getClassLoader()}: a class constant of another module. */
    private static void loaderOf(MethodVisitor code, String module) {
        code.visitLdcInsn(Type.getObjectType(internal(PluginBuilder.symbolsClassOf(module))));
        code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Class", "getClassLoader", "()Ljava/lang/ClassLoader;", false);
    }

    /**
     * Step: {@code Class.forName(className, false, kmodtest.<via>.Symbols.class.getClassLoader())}:
     * a load by name through another module's loader.
     */
    public static InitStep loadsClassVia(String via, String className) {
        return named("loadsClassVia(" + via + ", " + className + ")", false, (cls, owner, code) -> {
            code.visitLdcInsn(className);
            code.visitInsn(Opcodes.ICONST_0);
            loaderOf(code, via);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Class", "forName",
                    "(Ljava/lang/String;ZLjava/lang/ClassLoader;)Ljava/lang/Class;", false);
            code.visitInsn(Opcodes.POP);
        });
    }

    /**
     * Step: {@code ((Kmod.HostLoader) kmodtest.<module>.Symbols.class.getClassLoader()).kmodHost()
     * .printk(line)}: trying to act as another module.
     */
    public static InitStep actsAs(String module, String line) {
        return named("actsAs(" + module + ")", false, (cls, owner, code) -> {
            loaderOf(code, module);
            code.visitTypeInsn(Opcodes.CHECKCAST, KMOD + "$HostLoader");
            code.visitMethodInsn(Opcodes.INVOKEINTERFACE, KMOD + "$HostLoader", "kmodHost",
                    "()L" + KMOD + "$Host;", true);
            code.visitLdcInsn(line);
            code.visitMethodInsn(Opcodes.INVOKEINTERFACE, KMOD + "$Host", "printk", "(Ljava/lang/String;)V", true);
        });
    }

    /** Step: printk {@code "<prefix>%s"} with the name of the thread's context class loader. */
    public static InitStep printsContextClassLoader(String prefix) {
        return named("printsContextClassLoader()", false, (cls, owner, code) -> printkOf(code, escape(prefix) + "%s", arg -> {
            arg.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Thread", "currentThread", "()Ljava/lang/Thread;", false);
            arg.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Thread", "getContextClassLoader",
                    "()Ljava/lang/ClassLoader;", false);
            arg.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/ClassLoader", "getName", "()Ljava/lang/String;", false);
        }));
    }

    /** Step: printk {@code "<prefix>%s"} with the name of the thread running the step. */
    public static InitStep printsThreadName(String prefix) {
        return named("printsThreadName()", false, (cls, owner, code) -> printkOf(code, escape(prefix) + "%s", arg -> {
            arg.visitMethodInsn(Opcodes.INVOKESTATIC, THREAD, "currentThread", "()Ljava/lang/Thread;", false);
            arg.visitMethodInsn(Opcodes.INVOKEVIRTUAL, THREAD, "getName", "()Ljava/lang/String;", false);
        }));
    }

    /**
     * Step: {@code Thread.currentThread().setContextClassLoader(<owner>.class.getClassLoader())}:
     * hands the module's class loader to whoever runs init on that thread (insmod runs it on the
     * caller's).
     */
    public static InitStep publishesItsClassLoader() {
        return named("publishesItsClassLoader()", false, (cls, owner, code) -> {
            code.visitMethodInsn(Opcodes.INVOKESTATIC, THREAD, "currentThread", "()Ljava/lang/Thread;", false);
            code.visitLdcInsn(Type.getObjectType(owner));
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Class", "getClassLoader", "()Ljava/lang/ClassLoader;", false);
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, THREAD, "setContextClassLoader", "(Ljava/lang/ClassLoader;)V", false);
        });
    }

    /** Step: printk {@code "<prefix>%s"} with the text of resource {@code path}, read through the class's own loader. */
    public static InitStep printsResource(String prefix, String path) {
        return named("printsResource(" + path + ")", false, (cls, owner, code) -> printkOf(code, escape(prefix) + "%s", arg -> {
            arg.visitTypeInsn(Opcodes.NEW, "java/lang/String");
            arg.visitInsn(Opcodes.DUP);
            arg.visitLdcInsn(Type.getObjectType(owner));
            arg.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Class", "getClassLoader", "()Ljava/lang/ClassLoader;", false);
            arg.visitLdcInsn(path);
            arg.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/ClassLoader", "getResource",
                    "(Ljava/lang/String;)Ljava/net/URL;", false);
            arg.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/net/URL", "openStream", "()Ljava/io/InputStream;", false);
            arg.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/io/InputStream", "readAllBytes", "()[B", false);
            arg.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/String", "<init>", "([B)V", false);
        }));
    }

    /** Step: printk {@code "<prefix>%s"} with how many URLs {@code getResources(path)} of the class's loader gives. */
    public static InitStep printsResourceCount(String prefix, String path) {
        return named("printsResourceCount(" + path + ")", false, (cls, owner, code) -> printkOf(code, escape(prefix) + "%s", arg -> {
            arg.visitLdcInsn(Type.getObjectType(owner));
            arg.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Class", "getClassLoader", "()Ljava/lang/ClassLoader;", false);
            arg.visitLdcInsn(path);
            arg.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/ClassLoader", "getResources",
                    "(Ljava/lang/String;)Ljava/util/Enumeration;", false);
            arg.visitMethodInsn(Opcodes.INVOKESTATIC, "java/util/Collections", "list",
                    "(Ljava/util/Enumeration;)Ljava/util/ArrayList;", false);
            arg.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/util/ArrayList", "size", "()I", false);
            arg.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Integer", "valueOf", "(I)Ljava/lang/Integer;", false);
        }));
    }

    /**
     * Step: {@code while (!Thread.currentThread().isInterrupted()) { }}: a busy loop outside any
     * harness wait (a soft lockup); it ends when the thread is interrupted.
     */
    public static InitStep spinsUntilInterrupted() {
        return named("spinsUntilInterrupted()", false, (cls, owner, code) -> {
            Label loop = new Label();
            code.visitLabel(loop);
            code.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, THREAD, "currentThread", "()Ljava/lang/Thread;", false);
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, THREAD, "isInterrupted", "()Z", false);
            code.visitJumpInsn(Opcodes.IFEQ, loop);
        });
    }

    /**
     * Step: {@code Thread.sleep(Long.MAX_VALUE)}: blocked outside the harness (a hung task); an
     * interrupt ends it with the InterruptedException.
     */
    public static InitStep sleepsForever() {
        return named("sleepsForever()", false, (cls, owner, code) -> {
            code.visitLdcInsn(Long.MAX_VALUE);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, THREAD, "sleep", "(J)V", false);
        });
    }

    /** Step: {@code while (!Thread.interrupted()) LockSupport.park();}: parked until interrupted. */
    public static InitStep parksUntilInterrupted() {
        return named("parksUntilInterrupted()", false, (cls, owner, code) -> {
            Label loop = new Label();
            Label done = new Label();
            code.visitLabel(loop);
            code.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, THREAD, "interrupted", "()Z", false);
            code.visitJumpInsn(Opcodes.IFNE, done);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/util/concurrent/locks/LockSupport", "park", "()V", false);
            code.visitJumpInsn(Opcodes.GOTO, loop);
            code.visitLabel(done);
            code.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
        });
    }

    /**
     * Step: {@code new Thread(new <owner>(), threadName).start()}, the class being written a
     * {@link #runnableClass}: a thread of module code that outlives its init (and pins the
     * module's class loader while it runs).
     */
    public static InitStep startsThread(String threadName) {
        return named("startsThread(" + threadName + ")", false, (cls, owner, code) -> {
            code.visitTypeInsn(Opcodes.NEW, THREAD);
            code.visitInsn(Opcodes.DUP);
            code.visitTypeInsn(Opcodes.NEW, owner);
            code.visitInsn(Opcodes.DUP);
            code.visitMethodInsn(Opcodes.INVOKESPECIAL, owner, "<init>", "()V", false);
            code.visitLdcInsn(threadName);
            code.visitMethodInsn(Opcodes.INVOKESPECIAL, THREAD, "<init>", "(Ljava/lang/Runnable;Ljava/lang/String;)V", false);
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, THREAD, "start", "()V", false);
        });
    }

    /**
     * Step: {@code synchronized (lock) { <steps> }}, {@code lock} a string constant: the JVM
     * interns it, so every module naming the same constant shares the monitor. The steps must
     * not throw (the monitor would stay held).
     */
    public static InitStep synchronizedOn(String lock, InitStep... steps) {
        return named("synchronizedOn(" + lock + ", " + List.of(steps) + ")", false, (cls, owner, code) -> {
            code.visitLdcInsn(lock);
            code.visitInsn(Opcodes.MONITORENTER);
            for (InitStep step : steps) {
                step.emit(cls, owner, code);
            }
            code.visitLdcInsn(lock);
            code.visitInsn(Opcodes.MONITOREXIT);
        });
    }

    /** Step: {@code Kmod.requestModule(module)}, its result dropped. */
    public static InitStep requestsModule(String module) {
        return named("requestsModule(" + module + ")", false, (cls, owner, code) -> {
            code.visitLdcInsn(module);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, KMOD, "requestModule", "(Ljava/lang/String;)I", false);
            code.visitInsn(Opcodes.POP);
        });
    }

    /**
     * Step: {@code if (value.equals(Kmod.param(param))) throw new ModuleInitException(errno)}:
     * a probe that fails on a bad parameter, as {@code modprobe snd-hda-intel model=bad} does.
     */
    public static InitStep failsIfParam(String param, String value, int errno) {
        return named("failsIfParam(" + param + "=" + value + ", " + errno + ")", false, (cls, owner, code) -> {
            Label goOn = new Label();
            code.visitLdcInsn(value);
            code.visitLdcInsn(param);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, KMOD, "param", "(Ljava/lang/String;)Ljava/lang/String;", false);
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/String", "equals", "(Ljava/lang/Object;)Z", false);
            code.visitJumpInsn(Opcodes.IFEQ, goOn);
            throwInitFailure(code, errno);
            code.visitLabel(goOn);
            code.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
        });
    }

    /** Emits {@code throw new ModuleInitException(errno)}: init fails with that errno. */
    static void throwInitFailure(MethodVisitor code, int errno) {
        code.visitTypeInsn(Opcodes.NEW, MODULE_INIT_EXCEPTION);
        code.visitInsn(Opcodes.DUP);
        code.visitLdcInsn(errno);
        code.visitMethodInsn(Opcodes.INVOKESPECIAL, MODULE_INIT_EXCEPTION, "<init>", "(I)V", false);
        code.visitInsn(Opcodes.ATHROW);
    }

    /** Step: {@code System.out.close(); System.err.close();}: the streams every later print would use. */
    public static InitStep closesSystemStreams() {
        return named("closesSystemStreams()", false, (cls, owner, code) -> {
            for (String stream : new String[] {"out", "err"}) {
                code.visitFieldInsn(Opcodes.GETSTATIC, "java/lang/System", stream, "Ljava/io/PrintStream;");
                code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/io/PrintStream", "close", "()V", false);
            }
        });
    }

    /**
     * Step: {@code Locale.setDefault(Locale.forLanguageTag(tag))}: e.g. "th-TH-u-nu-thai", whose
     * digits are Thai wherever a format follows the default locale.
     */
    public static InitStep setsDefaultLocale(String tag) {
        return named("setsDefaultLocale(" + tag + ")", false, (cls, owner, code) -> {
            code.visitLdcInsn(tag);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/util/Locale", "forLanguageTag",
                    "(Ljava/lang/String;)Ljava/util/Locale;", false);
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/util/Locale", "setDefault", "(Ljava/util/Locale;)V", false);
        });
    }

    /**
     * Step: {@code ServiceLoader.load(Runnable.class).findFirst().get().run()}: the first
     * {@code java.lang.Runnable} provider the thread's context class loader lists in
     * META-INF/services (see {@link #runnableClass}).
     */
    public static InitStep runsService() {
        return named("runsService()", false, (cls, owner, code) -> {
            code.visitLdcInsn(Type.getType(Runnable.class));
            code.visitMethodInsn(Opcodes.INVOKESTATIC, "java/util/ServiceLoader", "load",
                    "(Ljava/lang/Class;)Ljava/util/ServiceLoader;", false);
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/util/ServiceLoader", "findFirst", "()Ljava/util/Optional;", false);
            code.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/util/Optional", "get", "()Ljava/lang/Object;", false);
            code.visitTypeInsn(Opcodes.CHECKCAST, "java/lang/Runnable");
            code.visitMethodInsn(Opcodes.INVOKEINTERFACE, "java/lang/Runnable", "run", "()V", true);
        });
    }

    /**
     * The class file of a public {@code Runnable} named {@code binaryName} whose {@code run()}
     * does {@code steps}: work for {@link #schedulesWork}, or a service provider
     * ({@link #runsService}); put it in a plugin with {@link PluginBuilder#resource} at
     * {@link ClassFiles#entryName}.
     */
    public static byte[] runnableClass(String binaryName, InitStep... steps) {
        return runnableClass(binaryName, List.of(), steps);
    }

    /**
     * As {@link #runnableClass(String, InitStep...)}, with a static initializer that does
     * {@code clinit} (none if empty): as a module's init class (see {@link #startsThread}).
     */
    public static byte[] runnableClass(String binaryName, List<InitStep> clinit, InitStep... steps) {
        var writer = new net.bytebuddy.jar.asm.ClassWriter(net.bytebuddy.jar.asm.ClassWriter.COMPUTE_MAXS);
        writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, internal(binaryName), null,
                "java/lang/Object", new String[] {"java/lang/Runnable"});
        MethodVisitor init = writer.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        method(writer, binaryName, writer.visitMethod(Opcodes.ACC_PUBLIC, "run", "()V", null, null), List.of(steps));
        if (!clinit.isEmpty()) {
            method(writer, binaryName, writer.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null), clinit);
        }
        writer.visitEnd();
        return writer.toByteArray();
    }

    private static void method(ClassVisitor writer, String binaryName, MethodVisitor code, List<InitStep> steps) {
        code.visitCode();
        boolean ends = false;
        for (InitStep step : steps) {
            step.emit(writer, internal(binaryName), code);
            ends = step.ends();
        }
        if (!ends) {
            code.visitInsn(Opcodes.RETURN);
        }
        code.visitMaxs(0, 0);
        code.visitEnd();
    }

    /** {@code Kmod.printk(format, value)}, the one value (an object) pushed by {@code value}. */
    static void printkOf(MethodVisitor code, String format, Consumer<MethodVisitor> value) {
        code.visitLdcInsn(format);
        code.visitInsn(Opcodes.ICONST_1);
        code.visitTypeInsn(Opcodes.ANEWARRAY, "java/lang/Object");
        code.visitInsn(Opcodes.DUP);
        code.visitInsn(Opcodes.ICONST_0);
        value.accept(code);
        code.visitInsn(Opcodes.AASTORE);
        code.visitMethodInsn(Opcodes.INVOKESTATIC, KMOD, "printk", PRINTK_DESCRIPTOR, false);
    }

    /** {@code Kmod.printk(line)}; the line is not a format. */
    static void printkLiteral(MethodVisitor code, String line) {
        code.visitLdcInsn(line);
        code.visitInsn(Opcodes.ICONST_0);
        code.visitTypeInsn(Opcodes.ANEWARRAY, "java/lang/Object");
        code.visitMethodInsn(Opcodes.INVOKESTATIC, KMOD, "printk", PRINTK_DESCRIPTOR, false);
    }

    /** printk formats: keep a literal '%' literal. */
    static String escape(String text) {
        return text.replace("%", "%%");
    }
}
