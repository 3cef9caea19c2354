package dev.kmodharness.report;

import dev.kmodharness.log.Dmesg;
import dev.kmodharness.timing.InitRecord;
import dev.kmodharness.timing.Stamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The kernel's initcall_debug lines, rebuilt from the records: for every init that ran,
 *
 * <pre>
 * [    0.000000] calling  I915Pci.&lt;clinit&gt; [i915] @ 2
 * [  120.000000] initcall I915Pci.&lt;clinit&gt; [i915] returned 0 after 120000000 usecs
 * </pre>
 *
 * each line stamped with the kernel time of its event, as dmesg stamps it. Lines are in the
 * order of their events (kernel time, then real time), which is dmesg's order: one pair per
 * init, and when one init runs inside another (i915's init requesting kvmgt) the inner pair
 * stands between the outer's two lines, as it does in dmesg. An init still running has its
 * {@code calling} line only.
 *
 * <p><b>NAME.</b> The harness's initcall_debug names an init {@code <InitClassSimpleName>.<clinit>
 * [module]} (the static initializer of the module's {@code Module-Init} class). The records do
 * not hold the init class, so {@link #render(List, Function)} takes a lookup from module name to
 * init class binary name (the command line passes the depmod index's); with it the lines are
 * byte for byte the ones {@code --initcall-debug} puts in dmesg. Without it, or for a module the
 * lookup does not know, NAME is {@code <module>_init [module]}, the kernel's own convention for
 * {@code module_init(<module>_init)}.
 *
 * <p><b>PID.</b> The pid in the loading task's "comm/pid"; 0 when it has none.
 */
public final class Initcalls {

    private Initcalls() {
    }

    /** NAME as the harness's initcall_debug prints it, for an init class binary name. */
    public static String name(String initClass, String module) {
        return initClass.substring(initClass.lastIndexOf('.') + 1) + ".<clinit> [" + module + "]";
    }

    /** NAME when the init class is not known: {@code <module>_init [module]}. */
    public static String fallbackName(String module) {
        return module + "_init [" + module + "]";
    }

    /** The lines with NAME in the fallback form {@code <module>_init [module]}. */
    public static String render(List<InitRecord> records) {
        return render(records, module -> Optional.empty());
    }

    /**
     * The lines, each ending in a newline.
     *
     * @param initClassOf module name to its init class's binary name, when known
     */
    public static String render(List<InitRecord> records, Function<String, Optional<String>> initClassOf) {
        record Event(InitRecord load, boolean calling, Stamp at, int index) {
        }
        List<Event> events = new ArrayList<>();
        int index = 0;
        for (InitRecord r : records) {
            if (r.initStart() == null) {
                continue;
            }
            events.add(new Event(r, true, r.initStart(), index++));
            if (r.initEnd() != null) {
                events.add(new Event(r, false, r.initEnd(), index++));
            }
        }
        events.sort(Comparator.comparing(Event::at, Times.ORDER).thenComparingInt(Event::index));
        StringBuilder out = new StringBuilder();
        for (Event e : events) {
            InitRecord r = e.load();
            String name = initClassOf.apply(r.module()).map(c -> name(c, r.module()))
                    .orElseGet(() -> fallbackName(r.module()));
            String text = e.calling()
                    ? "calling  " + name + " @ " + Math.max(0, Times.pid(r.thread()))
                    : "initcall " + name + " returned " + r.initReturn() + " after "
                            + (r.initEnd().kernelNanos() - r.initStart().kernelNanos()) / 1000 + " usecs";
            out.append(Dmesg.format(e.at().kernelNanos(), text)).append('\n');
        }
        return out.toString();
    }
}
