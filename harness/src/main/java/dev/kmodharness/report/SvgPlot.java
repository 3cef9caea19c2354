package dev.kmodharness.report;

import dev.kmodharness.timing.InitRecord;
import dev.kmodharness.timing.Stamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * A self-contained SVG timeline of the loads, in the manner of the kernel's
 * scripts/bootgraph.pl and {@code systemd-analyze plot}: one row per load attempt, in the order
 * the loads began, against a time axis.
 *
 * <ul>
 *   <li>Each row: a grey bar for the load (init_module to its end), a blue bar for init (orange
 *     when init failed), a red hatched bar for each symbol or class wait, with
 *     {@code wait SYMBOL (OWNER COMING)} and its outcome as its tooltip ({@code <title>}), and a
 *     thin yellow bar under init for each request_module call its code made. On rows of full
 *     height, a wait or request bar wide enough for it also carries its symbol or
 *     {@code request_module(M)} as text, so a static image reads without tooltips. A load still
 *     running is drawn to the end of the axis with a dashed red outline. The module name is in
 *     the left column (red when the load failed); the row's tooltip sums it up.</li>
 *   <li>The axis is kernel time since boot, with ticks at 1, 2 or 5 times a power of ten. When
 *     kernel time never moved (under the virtual clock CPU work costs nothing, so a run with no
 *     wait happens at 0.000000), the plot is drawn on real time instead and its subtitle says
 *     so.</li>
 *   <li>Size: the timeline is 1,000 px wide whatever the span. Rows are 18 px high up to 333
 *     loads; beyond, the rows share 6,000 px (12 px at 500, 3 px at 2,000, 1 px at 6,000), so
 *     the picture stays under about 6,200 px high and the file near 300 bytes a load. Names are
 *     12 px text (11 px beside rows under 15 px): on every row while rows are at least 12 px high,
 *     otherwise on every k-th row, with a guide line to its bar, k chosen to keep labels 14 px
 *     apart. Every row keeps its tooltip.</li>
 * </ul>
 */
public final class SvgPlot {

    private static final double TIMELINE_WIDTH = 1000;
    private static final double MAX_ROW_HEIGHT = 18;
    private static final double ROWS_HEIGHT = 6000;
    private static final double MIN_ROW_HEIGHT = 1;
    private static final double LABELLED_ROW_HEIGHT = 12;
    private static final double LABEL_SPACING = 14;
    private static final int MAX_LABEL_CHARS = 34;
    /** Approximate advance of a 12 px sans-serif character. */
    private static final double CHAR_WIDTH = 7;
    private static final double TOP = 96;
    private static final double RIGHT_MARGIN = 110;

    private SvgPlot() {
    }

    /** The SVG document. */
    public static String render(List<InitRecord> records) {
        List<InitRecord> rows = new ArrayList<>(records);
        rows.sort(Times.BY_START);
        int n = rows.size();

        // The clock: kernel time, unless it never moved.
        long kernelEnd = 0;
        long realStart = Long.MAX_VALUE;
        long realEnd = Long.MIN_VALUE;
        for (InitRecord r : rows) {
            Stamp end = lastStamp(r);
            kernelEnd = Math.max(kernelEnd, end.kernelNanos());
            realStart = Math.min(realStart, r.loadStart().realNanos());
            realEnd = Math.max(realEnd, end.realNanos());
        }
        boolean real = n > 0 && kernelEnd == 0 && realEnd > realStart;
        ToLongFunction<Stamp> clock = real ? Stamp::realNanos : Stamp::kernelNanos;
        long origin = real ? realStart : 0;
        long span = Math.max(1, real ? realEnd - realStart : kernelEnd);
        long axisEnd = origin + span;

        double rowHeight = n == 0 ? MAX_ROW_HEIGHT
                : Math.max(MIN_ROW_HEIGHT, Math.min(MAX_ROW_HEIGHT, ROWS_HEIGHT / n));
        boolean thin = rowHeight < LABELLED_ROW_HEIGHT;
        int labelEvery = thin ? (int) Math.ceil(LABEL_SPACING / rowHeight) : 1;
        int longestName = 0;
        for (InitRecord r : rows) {
            longestName = Math.max(longestName, Math.min(MAX_LABEL_CHARS, r.module().length()));
        }
        double labelWidth = Math.max(90, Math.min(260, longestName * CHAR_WIDTH + 20));
        double x0 = labelWidth + 10;
        double rowsBottom = TOP + n * rowHeight;
        double width = x0 + TIMELINE_WIDTH + RIGHT_MARGIN;
        double height = rowsBottom + 34;
        double scale = TIMELINE_WIDTH / span;

        Svg svg = new Svg();
        svg.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + num(width) + "\" height=\""
                + num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) + "\">\n");
        svg.raw("<title>kmod-harness: module loads</title>\n");
        svg.raw("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\""
                + " patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f6c9c4\"/>"
                + "<rect width=\"3\" height=\"6\" fill=\"#c0392b\"/></pattern></defs>\n");
        svg.raw("<style>\n"
                + "text{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;font-size:12px;fill:#222}\n"
                + ".title{font-size:15px;font-weight:bold}\n"
                + ".sub,.axis,.dur{font-size:11px;fill:#555}\n"
                + (rowHeight < 15 ? ".name{font-size:11px}\n" : "")
                + ".failed{fill:#c0392b}\n"
                + ".grid{stroke:#e2e2e2;stroke-width:1}\n"
                + ".guide{stroke:#bbb;stroke-width:0.5}\n"
                + ".row{fill:#f7f7f7}\n"
                + ".load{fill:#d0d0d0" + (thin ? "" : ";stroke:#a8a8a8;stroke-width:0.5") + "}\n"
                + ".init{fill:#3d73b9}\n"
                + ".initfail{fill:#e08a2c}\n"
                + ".wait{fill:url(#hatch)" + (thin ? "" : ";stroke:#fff;stroke-width:1") + "}\n"
                + ".req{fill:#f2c230}\n"
                + ".wl{font-size:11px;fill:#7b1d12}\n"
                + ".wlb{fill:#fff;fill-opacity:0.88}\n"
                + ".rl{font-size:11px;fill:#fff}\n"
                + ".unfinished{fill:none;stroke:#c0392b;stroke-width:1;stroke-dasharray:4 2}\n"
                + "</style>\n");
        svg.raw("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");

        // Title, subtitle, legend.
        int failed = 0;
        int running = 0;
        for (InitRecord r : rows) {
            if (!Times.finished(r)) {
                running++;
            } else if (r.result() != 0) {
                failed++;
            }
        }
        svg.text(10, 22, "title", "kmod-harness: " + n + (n == 1 ? " load" : " loads") + ", kernel time "
                + Times.seconds(kernelEnd) + (failed > 0 ? ", " + failed + " failed" : "")
                + (running > 0 ? ", " + running + " still loading" : ""));
        svg.text(10, 40, "sub", real
                ? "Kernel time never moved (virtual clock: CPU work costs no kernel time); drawn on real time, "
                        + "from the first load's start."
                : "Kernel time since boot. Rows: one load each, in the order the loads began.");
        double lx = 10;
        lx = legend(svg, lx, "#d0d0d0", "load (init_module to its end)");
        lx = legend(svg, lx, "#3d73b9", "init");
        lx = legend(svg, lx, "#e08a2c", "init failed");
        lx = legend(svg, lx, "url(#hatch)", "waiting for a COMING module's symbol or class");
        lx = legend(svg, lx, "#f2c230", "request_module");
        svg.raw("<text x=\"" + num(lx) + "\" y=\"62\" style=\"fill:#c0392b\">name</text>");
        svg.text(lx + 40, 62, null, "load failed");

        // Axis: grid lines and labels above and below the rows.
        long step = niceStep(span / 10.0);
        svg.raw("<g>\n");
        for (long t = 0; t <= span; t += step) {
            double x = x0 + t * scale;
            String label = tickLabel(t, step, span);
            svg.raw("<line class=\"grid\" x1=\"" + num(x) + "\" y1=\"" + num(TOP - 6) + "\" x2=\"" + num(x) + "\" y2=\""
                    + num(rowsBottom + 4) + "\"/>");
            svg.raw("<text class=\"axis\" x=\"" + num(x) + "\" y=\"" + num(TOP - 10) + "\" text-anchor=\"middle\">"
                    + esc(label) + "</text>");
            svg.raw("<text class=\"axis\" x=\"" + num(x) + "\" y=\"" + num(rowsBottom + 18) + "\" text-anchor=\"middle\">"
                    + esc(label) + "</text>\n");
            if (t > Long.MAX_VALUE - step) {
                break;
            }
        }
        svg.raw("</g>\n");

        // Rows.
        double barHeight = rowHeight >= 6 ? Math.round(rowHeight * 0.7) : rowHeight;
        for (int i = 0; i < n; i++) {
            InitRecord r = rows.get(i);
            double y = TOP + i * rowHeight;
            double barY = y + (rowHeight - barHeight) / 2;
            boolean done = Times.finished(r);
            boolean ok = done && r.result() == 0;
            Stamp end = done ? Times.end(r) : null;
            double xs = x0 + (clock.applyAsLong(r.loadStart()) - origin) * scale;
            double xe = done ? x0 + (clock.applyAsLong(end) - origin) * scale : x0 + (axisEnd - origin) * scale;

            svg.raw("<g>");
            svg.raw("<title>" + esc(rowTitle(r, end)) + "</title>");
            if (!thin && i % 2 == 1) {
                svg.raw("<rect class=\"row\" x=\"" + num(x0) + "\" y=\"" + num(y) + "\" width=\"" + num(TIMELINE_WIDTH)
                        + "\" height=\"" + num(rowHeight) + "\"/>");
            }
            svg.rect(done ? "load" : "load unfinished", xs, barY, Math.max(1, xe - xs), barHeight);
            if (r.initStart() != null) {
                double is = x0 + (clock.applyAsLong(r.initStart()) - origin) * scale;
                double ie = r.initEnd() != null ? x0 + (clock.applyAsLong(r.initEnd()) - origin) * scale : xe;
                boolean initOk = r.initEnd() == null || r.initReturn() == 0;
                svg.rect(initOk ? "init" : "initfail", is, barY, Math.max(1, ie - is), barHeight);
            }
            for (InitRecord.Wait w : r.waits()) {
                double ws = x0 + (clock.applyAsLong(w.start()) - origin) * scale;
                double we = x0 + (clock.applyAsLong(w.end()) - origin) * scale;
                svg.raw("<rect class=\"wait\" fill=\"url(#hatch)\" x=\"" + num(ws) + "\" y=\"" + num(barY) + "\" width=\""
                        + num(Math.max(1, we - ws)) + "\" height=\"" + num(barHeight) + "\"><title>"
                        + esc(waitTitle(w)) + "</title></rect>");
                inBarLabel(svg, thin, "wl", w.symbol(), ws, we, y + rowHeight / 2 + 4);
            }
            double reqHeight = Math.max(1, Math.round(barHeight / 4.0));
            for (InitRecord.Request q : r.requests()) {
                double qs = x0 + (clock.applyAsLong(q.start()) - origin) * scale;
                double qe = x0 + (clock.applyAsLong(q.end()) - origin) * scale;
                svg.raw("<rect class=\"req\" x=\"" + num(qs) + "\" y=\"" + num(barY + barHeight - reqHeight)
                        + "\" width=\"" + num(Math.max(1, qe - qs)) + "\" height=\"" + num(reqHeight) + "\"><title>"
                        + esc(Times.requestLabel(q) + " from " + q.thread() + " +" + Times.seconds(q.kernelNanos())
                                + (q.pending() ? " still waiting" : " returned " + q.result()))
                        + "</title></rect>");
                inBarLabel(svg, thin, "rl", Times.requestLabel(q), qs, qe, y + rowHeight / 2 + 4);
            }
            if (i % labelEvery == 0) {
                double cy = y + rowHeight / 2;
                if (thin) {
                    svg.raw("<line class=\"guide\" x1=\"" + num(x0 - 4) + "\" y1=\"" + num(cy) + "\" x2=\""
                            + num(Math.max(x0 - 4, xs)) + "\" y2=\"" + num(cy) + "\"/>");
                }
                svg.raw("<text class=\"name" + (done && !ok ? " failed" : "") + "\" x=\"" + num(x0 - 6) + "\" y=\""
                        + num(cy + 4) + "\" text-anchor=\"end\">" + esc(shorten(r.module())) + "</text>");
            }
            if (!thin) {
                svg.raw("<text class=\"dur\" x=\"" + num(xe + 5) + "\" y=\"" + num(y + rowHeight / 2 + 4) + "\">"
                        + esc(duration(r, end, real)) + "</text>");
            }
            svg.raw("</g>\n");
        }
        if (n == 0) {
            svg.text(x0, TOP + 13, "sub", "no loads");
        }
        svg.raw("</svg>\n");
        return svg.toString();
    }

    /** The record's last stamp, requests made from other tasks included (the axis must hold them). */
    private static Stamp lastStamp(InitRecord r) {
        Stamp last = Times.end(r);
        for (InitRecord.Request q : r.requests()) {
            last = Times.later(last, q.end());
        }
        return last;
    }

    /** Text inside a bar from {@code from} to {@code to}, when the rows are tall enough and the bar wide enough. */
    private static void inBarLabel(Svg svg, boolean thin, String cls, String text, double from, double to, double y) {
        double width = text.length() * 6.6 + 6;
        if (!thin && to - from >= width + 8) {
            if (cls.equals("wl")) {
                svg.raw("<rect class=\"wlb\" x=\"" + num(from + 3) + "\" y=\"" + num(y - 10) + "\" width=\""
                        + num(width) + "\" height=\"12\" rx=\"2\"/>");
            }
            svg.raw("<text class=\"" + cls + "\" x=\"" + num(from + 6) + "\" y=\"" + num(y) + "\">" + esc(text)
                    + "</text>");
        }
    }

    /** A legend key (no class: the rows' classes are theirs alone) and its text; returns the next x. */
    private static double legend(Svg svg, double x, String fill, String text) {
        svg.raw("<rect fill=\"" + fill + "\" x=\"" + num(x) + "\" y=\"52\" width=\"14\" height=\"12\"/>");
        svg.text(x + 18, 62, null, text);
        return x + 18 + text.length() * 6.4 + 18;
    }

    private static String rowTitle(InitRecord r, Stamp end) {
        StringBuilder t = new StringBuilder(r.module());
        if (r.builtin()) {
            t.append(" (built-in)");
        }
        t.append(" on ").append(r.thread()).append(": load @").append(Times.seconds(r.loadStart().kernelNanos()));
        if (end != null) {
            t.append(" +").append(Times.seconds(end.kernelNanos() - r.loadStart().kernelNanos()));
        }
        if (r.initStart() != null) {
            t.append(", init ").append(r.initEnd() == null ? "still running"
                    : Times.seconds(r.initKernelNanos()) + " (real " + Times.millis(r.initRealNanos()) + ") returned "
                            + r.initReturn());
        }
        if (!r.waits().isEmpty()) {
            t.append(", waited ").append(Times.seconds(r.waitedKernelNanos())).append(" in ")
                    .append(r.waits().size()).append(r.waits().size() == 1 ? " wait" : " waits");
        }
        t.append(r.result() == null ? ", still loading" : ", result " + r.result());
        return t.toString();
    }

    private static String waitTitle(InitRecord.Wait w) {
        String outcome = w.pending() ? ", still waiting"
                : w.err() == 0 ? (Times.isAsync(w) ? ", then the work was done" : ", then linked")
                : w.err() == -16 ? ", timed out: err -16" : ", err " + w.err();
        return Times.waitLabel(w) + " +" + Times.seconds(w.kernelNanos()) + outcome;
    }

    private static String duration(InitRecord r, Stamp end, boolean real) {
        if (end == null) {
            return "still loading";
        }
        String d = real ? "+" + Times.millis(end.realNanos() - r.loadStart().realNanos()) + " real"
                : "+" + Times.seconds(end.kernelNanos() - r.loadStart().kernelNanos());
        return r.result() != 0 ? d + " err " + r.result() : d;
    }

    private static String shorten(String name) {
        return name.length() <= MAX_LABEL_CHARS ? name : name.substring(0, MAX_LABEL_CHARS - 1) + "…";
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw} (and at least 1 ns). */
    static long niceStep(double raw) {
        if (raw <= 1) {
            return 1;
        }
        double base = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / base;
        double nice = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
        return Math.max(1, Math.round(nice * base));
    }

    /** A tick's label in the unit the whole span reads best in: {@code 30s}, {@code 1.5s}, {@code 250ms}. */
    static String tickLabel(long t, long step, long span) {
        long unit;
        String suffix;
        if (span >= 1_000_000_000L) {
            unit = 1_000_000_000L;
            suffix = "s";
        } else if (span >= 1_000_000L) {
            unit = 1_000_000L;
            suffix = "ms";
        } else if (span >= 1_000L) {
            unit = 1_000L;
            suffix = "µs";
        } else {
            unit = 1;
            suffix = "ns";
        }
        int decimals = step >= unit ? 0 : (int) Math.ceil(-Math.log10((double) step / unit) - 1e-9);
        return String.format(Locale.ROOT, "%." + decimals + "f", (double) t / unit) + suffix;
    }

    /** A coordinate with at most one decimal, no trailing ".0". */
    static String num(double v) {
        long tenths = Math.round(v * 10);
        String sign = tenths < 0 ? "-" : "";
        tenths = Math.abs(tenths);
        return sign + tenths / 10 + (tenths % 10 == 0 ? "" : "." + tenths % 10);
    }

    /** Text for XML character data and attributes; characters XML 1.0 cannot hold become '?'. */
    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || Character.isSurrogate(c)
                            || c == '\uFFFE' || c == '\uFFFF') {
                        out.append('?');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** The document being written. */
    private static final class Svg {
        private final StringBuilder out = new StringBuilder();

        void raw(String s) {
            out.append(s);
        }

        void text(double x, double y, String cls, String text) {
            out.append("<text").append(cls != null ? " class=\"" + cls + "\"" : "").append(" x=\"").append(num(x))
                    .append("\" y=\"").append(num(y)).append("\">").append(esc(text)).append("</text>\n");
        }

        void rect(String cls, double x, double y, double w, double h) {
            out.append("<rect class=\"").append(cls).append("\" x=\"").append(num(x)).append("\" y=\"").append(num(y))
                    .append("\" width=\"").append(num(w)).append("\" height=\"").append(num(h)).append("\"/>");
        }

        @Override
        public String toString() {
            return out.toString();
        }
    }
}
