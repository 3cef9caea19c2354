package dev.kmodharness.report;

import dev.kmodharness.timing.InitRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code systemd-analyze blame} for module loads: every load attempt, the longest init first,
 * one line each:
 *
 * <pre>
 *    120.000s i915   real  26.437ms  waited   0.000s
 *      0.000s kvmgt  real   0.000ms  waited 120.000s  err -16, init did not run
 * </pre>
 *
 * The first column is init's duration in kernel time (what dmesg's clock says init took; 0 for a
 * load whose init never ran), right-aligned as systemd aligns it. Then the module, the real time
 * of init (System.nanoTime from its start to its end: its CPU work, which costs no virtual time,
 * plus the real time its waits took) and the kernel time the load spent in symbol and class
 * waits. Ties in kernel time are broken by real time, longer first; then by start order.
 */
public final class Blame {

    /** Longest init (kernel time) first, then longest real time, then start order. */
    public static final Comparator<InitRecord> ORDER = Comparator
            .comparingLong(InitRecord::initKernelNanos).reversed()
            .thenComparing(Comparator.comparingLong(InitRecord::initRealNanos).reversed())
            .thenComparing(Times.BY_START);

    private static final int MIN_TIME_WIDTH = 11;
    private static final int MAX_NAME_WIDTH = 40;

    private Blame() {
    }

    /** The loads in blame order. */
    public static List<InitRecord> order(List<InitRecord> records) {
        List<InitRecord> sorted = new ArrayList<>(records);
        sorted.sort(ORDER);
        return sorted;
    }

    /** The blame lines, each ending in a newline; empty for no loads. */
    public static String render(List<InitRecord> records) {
        List<InitRecord> sorted = order(records);
        int timeWidth = MIN_TIME_WIDTH;
        int nameWidth = 0;
        int realWidth = 0;
        int waitWidth = 0;
        for (InitRecord r : sorted) {
            timeWidth = Math.max(timeWidth, Times.seconds(r.initKernelNanos()).length());
            nameWidth = Math.max(nameWidth, Math.min(MAX_NAME_WIDTH, r.module().length()));
            realWidth = Math.max(realWidth, Times.millis(r.initRealNanos()).length());
            waitWidth = Math.max(waitWidth, Times.seconds(r.waitedKernelNanos()).length());
        }
        StringBuilder out = new StringBuilder();
        for (InitRecord r : sorted) {
            String line = pad(Times.seconds(r.initKernelNanos()), timeWidth, true) + " "
                    + pad(r.module(), nameWidth, false)
                    + "  real " + pad(Times.millis(r.initRealNanos()), realWidth, true)
                    + "  waited " + pad(Times.seconds(r.waitedKernelNanos()), waitWidth, true)
                    + note(r);
            out.append(line.stripTrailing()).append('\n');
        }
        return out.toString();
    }

    /** What else the line should say: built-in, failed, still loading. */
    private static String note(InitRecord r) {
        List<String> notes = new ArrayList<>();
        if (r.builtin()) {
            notes.add("built-in");
        }
        if (r.result() == null) {
            notes.add(r.initStart() != null && r.initEnd() == null ? "init still running" : "still loading");
        } else if (r.result() != 0) {
            notes.add("err " + r.result() + (r.initStart() == null ? ", init did not run" : ""));
        }
        return notes.isEmpty() ? "" : "  " + String.join(", ", notes);
    }

    private static String pad(String s, int width, boolean right) {
        if (s.length() >= width) {
            return s;
        }
        String spaces = " ".repeat(width - s.length());
        return right ? spaces + s : s + spaces;
    }
}
