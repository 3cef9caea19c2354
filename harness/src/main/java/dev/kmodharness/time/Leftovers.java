package dev.kmodharness.time;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The threads module code left running: what a kernel that cannot finish (a task stuck in an
 * init, a thread blocked in the JVM's class initialization, a thread a plugin started) still has
 * when it closes. The JVM cannot kill a thread; the harness names each one, since each pins its
 * module's class loader. Stateless.
 */
public final class Leftovers {

    /** How long a closing kernel waits for interrupted threads of module code to end. */
    public static final java.time.Duration GRACE = java.time.Duration.ofMillis(200);

    private Leftovers() {
    }

    /**
     * Every live thread but the caller with a frame of module code on its stack, or a module's
     * class loader as its context class loader, by name. Takes a stack of every thread.
     *
     * @param moduleFrame whether a frame is module code
     * @param loaderOf the class loader of the module of that name, if loaded
     */
    public static List<Thread> find(Predicate<StackTraceElement> moduleFrame,
            Function<String, Optional<ClassLoader>> loaderOf) {
        List<Thread> found = new ArrayList<>();
        for (Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet()) {
            Thread thread = entry.getKey();
            if (thread == Thread.currentThread() || !thread.isAlive()) {
                continue;
            }
            if (moduleOf(entry.getValue(), moduleFrame) != null || ownContextLoader(thread, loaderOf)) {
                found.add(thread);
            }
        }
        found.sort(Comparator.comparing(Thread::getName));
        return found;
    }

    /**
     * One dmesg line for a thread left running: {@code close: thread 'NAME' left running in
     * module a (RUNNABLE at C.m(F.java:1)); it pins the module's class loader}.
     */
    public static String describe(Thread thread, Predicate<StackTraceElement> moduleFrame) {
        StackTraceElement[] stack = thread.getStackTrace();
        StackTraceElement top = moduleOf(stack, moduleFrame);
        ClassLoader context = thread.getContextClassLoader();
        String module = top != null ? top.getClassLoaderName() : context == null ? "?" : context.getName();
        StringBuilder out = new StringBuilder("close: thread '").append(thread.getName())
                .append("' left running in module ").append(module).append(" (").append(thread.getState());
        if (stack.length > 0) {
            StackTraceElement at = top != null ? top : stack[0];
            out.append(" at ").append(at.getClassName()).append('.').append(at.getMethodName()).append('(')
                    .append(at.getFileName() == null ? "Unknown Source" : at.getFileName());
            if (at.getLineNumber() >= 0) {
                out.append(':').append(at.getLineNumber());
            }
            out.append(')');
        }
        return out.append("); it pins the module's class loader").toString();
    }

    /**
     * Gives each of {@code left} (just interrupted) up to {@link #GRACE}, in all, to end, then
     * prints a {@link #describe} line for each still alive. Waits for: their ends, bounded.
     */
    public static void report(List<Thread> left, Predicate<StackTraceElement> moduleFrame,
            java.util.function.Consumer<String> printk) {
        long deadline = System.nanoTime() + GRACE.toNanos();
        for (Thread thread : left) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                break;
            }
            try {
                thread.join(Math.max(1, remaining / 1_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Thread thread : left) {
            if (thread.isAlive()) {
                printk.accept(describe(thread, moduleFrame));
            }
        }
    }

    /** The innermost frame of module code, or null. */
    private static StackTraceElement moduleOf(StackTraceElement[] stack, Predicate<StackTraceElement> moduleFrame) {
        for (StackTraceElement frame : stack) {
            if (moduleFrame.test(frame)) {
                return frame;
            }
        }
        return null;
    }

    private static boolean ownContextLoader(Thread thread, Function<String, Optional<ClassLoader>> loaderOf) {
        ClassLoader context = thread.getContextClassLoader();
        return context != null && context.getName() != null
                && loaderOf.apply(context.getName()).filter(l -> l == context).isPresent();
    }
}
