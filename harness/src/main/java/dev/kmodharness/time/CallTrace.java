package dev.kmodharness.time;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * A task's stack as the kernel prints a call trace (lib/dump_stack.c dump_stack,
 * arch/x86/kernel/dumpstack.c show_trace_log_lvl, kernel/sched/core.c sched_show_task): "Call
 * Trace:", the frames between {@code <TASK>} and {@code </TASK>}, innermost first, each frame of
 * module code followed by {@code [module]} as the kernel follows a symbol with its module's
 * name. The one printer of the lockup detectors, show_state, oops and panic.
 */
public final class CallTrace {

    /** Frames the lockup detectors print at most; the rest is one "..." line. */
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

    /**
     * The lockup detectors' trace: every frame with its source, at most {@link #MAX_FRAMES}.
     *
     * @param moduleFrame whether a frame is module code (its class loader is a module's)
     */
    static String format(StackTraceElement[] stack, Predicate<StackTraceElement> moduleFrame) {
        return String.join("\n", lines(List.of(stack), MAX_FRAMES, true, moduleFrame));
    }

    /**
     * The trace's lines: "Call Trace:", " <TASK>", a line a frame ({@code " class.method"}, then
     * {@code (File:line)} when {@code sources}, then {@code " [module]"} for module code) for at
     * most {@code maxFrames} frames and " ..." if there are more, " </TASK>".
     *
     * @param moduleFrame whether a frame is module code (named by its class loader's name)
     */
    public static List<String> lines(List<StackTraceElement> frames, int maxFrames, boolean sources,
            Predicate<StackTraceElement> moduleFrame) {
        List<String> out = new ArrayList<>();
        out.add("Call Trace:");
        out.add(" <TASK>");
        for (StackTraceElement frame : frames.subList(0, Math.min(frames.size(), maxFrames))) {
            StringBuilder line = new StringBuilder(" ").append(frame.getClassName()).append('.')
                    .append(frame.getMethodName());
            if (sources) {
                line.append('(').append(frame.getFileName() == null ? "Unknown Source" : frame.getFileName());
                if (frame.getLineNumber() >= 0) {
                    line.append(':').append(frame.getLineNumber());
                }
                line.append(')');
            }
            if (moduleFrame.test(frame)) {
                line.append(" [").append(frame.getClassLoaderName()).append(']');
            }
            out.add(line.toString());
        }
        if (frames.size() > maxFrames) {
            out.add(" ...");
        }
        out.add(" </TASK>");
        return out;
    }
}
