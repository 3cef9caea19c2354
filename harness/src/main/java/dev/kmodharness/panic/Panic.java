package dev.kmodharness.panic;

import dev.kmodharness.log.Dmesg;
import dev.kmodharness.time.CallTrace;
import java.util.ArrayList;
import java.util.List;

/**
 * One kernel's panic() and oops (kernel/panic.c: panic, oops_enter/oops_exit, add_taint;
 * arch/x86/kernel/dumpstack.c: oops_begin, __die_header, __die_body, oops_end). A panic marks
 * the kernel for good: every later operation on it throws {@link KernelPanicException}, and
 * module code that calls into it again ends its task ({@link Halted}). An oops ends one task
 * and taints the kernel D; the kernel runs on. The panic line is a volatile written once; the
 * oops counter is guarded by this object's monitor. Never blocks: may be called with the
 * kernel lock held.
 */
public final class Panic {

    /** Frames of a call trace printed at most; the rest is cut with a " ..." line. */
    private static final int MAX_FRAMES = 32;

    private final Dmesg dmesg;
    private final Tainted tainted;
    /** init_utsname()->release, as {@code uname -r} prints it. */
    private final String release;
    /** The panic's line, {@code Kernel panic - not syncing: ...}; null until the kernel panics. */
    private volatile String line;
    /** die_counter of __die_header. Guarded by this. */
    private int dieCounter;

    /** @param release the kernel release, {@code uname -r}: the CPU lines print it */
    public Panic(Dmesg dmesg, Tainted tainted, String release) {
        this.dmesg = dmesg;
        this.tainted = tainted;
        this.release = release;
    }

    /** Whether the kernel has panicked. */
    public boolean panicked() {
        return line != null;
    }

    /** The panic's one line, or null. */
    public String line() {
        return line;
    }

    /** Throws {@link KernelPanicException} when the kernel has panicked: every entry point calls it. */
    public void check() {
        String panicked = line;
        if (panicked != null) {
            throw new KernelPanicException(panicked);
        }
    }

    /** What ends a task of a panicked kernel: throw it. Null while the kernel has not panicked. */
    public Halted halted() {
        String panicked = line;
        return panicked == null ? null : new Halted(panicked);
    }

    /**
     * panic(fmt): prints {@code Kernel panic - not syncing: <reason>}, the task's CPU line and
     * call trace (dump_stack, as CONFIG_DEBUG_BUGVERBOSE does), then
     * {@code ---[ end Kernel panic - not syncing: <reason> ]---}, and marks the kernel panicked.
     * A second panic (another task's) only ends its task, as panic_cpu lets one CPU through.
     *
     * @param comm the task, as the kernel names it ({@code modprobe i915})
     * @return the Error that ends the calling task: throw it
     */
    public Halted panic(String reason, String comm, int pid, StackTraceElement[] stack) {
        String text = "Kernel panic - not syncing: " + reason;
        synchronized (this) {
            if (line != null) {
                return new Halted(line);
            }
            List<String> out = new ArrayList<>();
            out.add(text);
            out.add(cpuLine(comm, pid));
            out.addAll(callTrace(stack));
            out.add("---[ end " + text + " ]---");
            dmesg.printk(String.join("\n", out));
            line = text;
        }
        return new Halted(text);
    }

    /**
     * An oops for a throwable that module code left uncaught on a kernel task (a work item):
     * die("Oops") with the header, the CPU and Workqueue lines, the call trace and
     * {@code Modules linked in:}, {@code ---[ end trace ]---}, then add_taint(TAINT_DIE) as
     * oops_end does. The kernel runs on; the task ends.
     *
     * @param workqueue what print_worker_info names: the work function, or null for none
     * @param modulesLinkedIn print_modules()'s list, {@code " a b(+)"}, built by the caller
     */
    public void oops(Throwable thrown, String comm, int pid, String workqueue, String modulesLinkedIn) {
        synchronized (this) {
            List<String> out = new ArrayList<>();
            // The first line names what was thrown, as "BUG: kernel NULL pointer dereference" names
            // the fault (arch/x86/mm/fault.c, show_fault_oops).
            out.add("BUG: unhandled " + oneLine(thrown));
            // __die_header: "%s: %04lx [#%d]%s%s..." with str "Oops"
            out.add("Oops: 0000 [#" + ++dieCounter + "] SMP");
            out.add(cpuLine(comm, pid));
            if (workqueue != null) {
                out.add("Workqueue: " + workqueue);
            }
            out.addAll(callTrace(thrown.getStackTrace()));
            out.add("Modules linked in:" + modulesLinkedIn);
            out.add("---[ end trace 0000000000000000 ]---");
            dmesg.printk(String.join("\n", out));
            tainted.add(Tainted.DIE);
        }
    }

    /** The throwable as one line: its class and message, the message's line breaks as spaces. */
    public static String oneLine(Throwable thrown) {
        String text = String.valueOf(thrown);
        return text.replace('\n', ' ').replace('\r', ' ');
    }

    /**
     * dump_stack_print_info (lib/dump_stack.c): {@code CPU: %d PID: %d Comm: %.20s %s%s %s %.*s},
     * print_tainted() and the release and version as uname prints them: CPU 0 (the harness has
     * one), no Kdump, version {@code #1}.
     */
    public String cpuLine(String comm, int pid) {
        return "CPU: 0 PID: " + pid + " Comm: " + comm + " " + taintedRelease();
    }

    /** print_tainted(), init_utsname()->release and the version: {@code Not tainted 5.15.0 #1}. */
    public String taintedRelease() {
        return tainted.print() + " " + release + " #1";
    }

    /** add_taint(flag): a bit of {@link Tainted}. */
    public void addTaint(int flag) {
        tainted.add(flag);
    }

    /**
     * show_trace_log_lvl ({@link CallTrace}): frames are module code and the JDK's, down to
     * where the harness called in; a module's frame ends in {@code [name]}, as %pS prints a
     * module symbol.
     */
    static List<String> callTrace(StackTraceElement[] stack) {
        List<StackTraceElement> frames = new ArrayList<>();
        for (StackTraceElement frame : stack) {
            String cls = frame.getClassName();
            if (cls.startsWith("dev.kmodharness.api.")) {
                continue; // the facade (Kmod, JvmExit) is the kernel's entry, not module code
            }
            boolean harness = cls.startsWith("dev.kmodharness.");
            if (frames.isEmpty() && harness) {
                continue; // the harness's own frames above the module's (the panic itself)
            } else if (harness) {
                break; // where the harness called the module's code
            }
            frames.add(frame);
        }
        return CallTrace.lines(frames, MAX_FRAMES, false, Panic::moduleFrame);
    }

    private static boolean moduleFrame(StackTraceElement frame) {
        String loader = frame.getClassLoaderName();
        return !(loader == null || loader.equals("app") || loader.equals("platform"));
    }
}
