package dev.kmodharness.time;

import java.util.Locale;
import java.util.function.Predicate;

/**
 * A task's stack as the kernel prints a call trace (dump_stack, sched_show_task): "Call Trace:",
 * the frames between {@code <TASK>} and {@code </TASK>}, innermost first, each frame of module
 * code followed by {@code [module]} as the kernel follows a symbol with its module's name.
 */
final class CallTrace {

    /** Frames printed at most; the rest is one "..." line. */
    static final int MAX_FRAMES = 24;

    private CallTrace() {
    }

    /**
     * sched_show_task's first line: {@code task:%-15.15s state:%c stack:0 pid:%-5d tgid:%-5d
     * ppid:%-6d flags:0x00000000} (no stack depth, parent or flags on the JVM: 0).
     */
    static String taskLine(String comm, int pid, char state) {
        return String.format(Locale.ROOT, "task:%-15.15s state:%c stack:0     pid:%-5d tgid:%-5d ppid:%-6d flags:0x00000000",
                comm, state, pid, pid, 0);
    }

    /** @param moduleFrame whether a frame is module code (its class loader is a module's) */
    static String format(StackTraceElement[] stack, Predicate<StackTraceElement> moduleFrame) {
        StringBuilder out = new StringBuilder("Call Trace:\n <TASK>\n");
        for (int i = 0; i < Math.min(stack.length, MAX_FRAMES); i++) {
            StackTraceElement frame = stack[i];
            out.append(' ').append(frame.getClassName()).append('.').append(frame.getMethodName()).append('(')
                    .append(frame.getFileName() == null ? "Unknown Source" : frame.getFileName());
            if (frame.getLineNumber() >= 0) {
                out.append(':').append(frame.getLineNumber());
            }
            out.append(')');
            if (moduleFrame.test(frame)) {
                out.append(" [").append(frame.getClassLoaderName()).append(']');
            }
            out.append('\n');
        }
        if (stack.length > MAX_FRAMES) {
            out.append(" ...\n");
        }
        return out.append(" </TASK>").toString();
    }
}
