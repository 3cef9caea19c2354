package dev.kmodharness.report;

import dev.kmodharness.timing.InitRecord;
import dev.kmodharness.timing.Stamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The records as Chrome Trace Event JSON (the object form, {@code {"traceEvents": [...]}}),
 * which Perfetto (ui.perfetto.dev) and chrome://tracing open.
 *
 * <ul>
 *   <li>One process, pid 1, named "kernel"; a track per task, its tid the pid in the task's
 *     "comm/pid" (a name without one gets a tid from 1,000,000 up), named by
 *     {@code thread_name} metadata with the task's "comm/pid" (every distinct name the pid had,
 *     comma-separated).</li>
 *   <li>Complete events ({@code "ph":"X"}), timestamps and durations in microseconds of kernel
 *     time: {@code load M} for each load attempt (category {@code load}), {@code init M}
 *     ({@code init}), each symbol or class wait on the loading task's track, named for its
 *     cause, {@code wait SYMBOL (OWNER COMING)} ({@code wait}), and each request_module call on
 *     the track of the task that made it, {@code request_module(M)} or
 *     {@code request_module_nowait(M)} ({@code request_module}). Their args carry the errno or
 *     result and the real time each took ({@code real_us}: CPU work costs no virtual time).</li>
 *   <li>Instant events ({@code "ph":"i"}) for state changes: {@code M COMING}, {@code M LIVE},
 *     {@code M GOING}.</li>
 *   <li>Something still running when the records were taken ends at the last stamp of all,
 *     with {@code "unfinished": true} in its args.</li>
 * </ul>
 */
public final class ChromeTrace {

    /** The process every track belongs to. */
    public static final int PID = 1;
    private static final long FIRST_SYNTHETIC_TID = 1_000_000;

    private ChromeTrace() {
    }

    /** The whole JSON document, ending in a newline. */
    public static String render(List<InitRecord> records) {
        Map<String, Long> tids = new LinkedHashMap<>();
        Map<Long, Set<String>> names = new LinkedHashMap<>();
        for (InitRecord r : records) {
            tid(r.thread(), tids, names);
            for (InitRecord.Request q : r.requests()) {
                tid(q.thread(), tids, names);
            }
        }
        Stamp last = null;
        for (InitRecord r : records) {
            last = Times.later(last, Times.end(r));
            for (InitRecord.Request q : r.requests()) {
                last = Times.later(last, q.end());
            }
        }

        List<String> events = new ArrayList<>();
        events.add("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":" + PID + ",\"tid\":0,\"args\":{\"name\":\"kernel\"}}");
        for (Map.Entry<Long, Set<String>> thread : names.entrySet()) {
            long tid = thread.getKey();
            events.add("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":" + PID + ",\"tid\":" + tid + ",\"args\":{\"name\":"
                    + quote(String.join(", ", thread.getValue())) + "}}");
            events.add("{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":" + PID + ",\"tid\":" + tid
                    + ",\"args\":{\"sort_index\":" + tid + "}}");
        }
        for (InitRecord r : records) {
            long tid = tids.get(r.thread());
            boolean done = Times.finished(r);
            Stamp end = done ? Times.end(r) : last;
            events.add(complete("load " + r.module(), "load", tid, r.loadStart(), end,
                    "\"module\":" + quote(r.module()) + ",\"thread\":" + quote(r.thread())
                            + ",\"builtin\":" + r.builtin()
                            + (done ? ",\"result\":" + r.result() : ",\"unfinished\":true")));
            for (InitRecord.Wait w : r.waits()) {
                events.add(complete(Times.waitLabel(w), "wait", tid, w.start(), w.end(),
                        "\"symbol\":" + quote(w.symbol()) + ",\"owner\":" + quote(w.owner())
                                + (w.pending() ? ",\"unfinished\":true" : ",\"err\":" + w.err())));
            }
            if (r.initStart() != null) {
                boolean initDone = r.initEnd() != null;
                events.add(complete("init " + r.module(), "init", tid, r.initStart(), initDone ? r.initEnd() : last,
                        initDone ? "\"return\":" + r.initReturn() : "\"unfinished\":true"));
            }
            for (InitRecord.Request q : r.requests()) {
                events.add(complete(Times.requestLabel(q), "request_module", tids.get(q.thread()), q.start(), q.end(),
                        "\"module\":" + quote(q.module()) + ",\"synchronous\":" + q.synchronous()
                                + (q.pending() ? ",\"unfinished\":true" : ",\"result\":" + q.result())
                                + ",\"by\":" + quote(r.module())));
            }
            for (InitRecord.StateChange s : r.states()) {
                events.add("{\"name\":" + quote(r.module() + " " + s.state().toUpperCase(java.util.Locale.ROOT))
                        + ",\"cat\":\"state\",\"ph\":\"i\",\"s\":\"t\",\"ts\":" + micros(s.at().kernelNanos())
                        + ",\"pid\":" + PID + ",\"tid\":" + tid + "}");
            }
        }
        StringBuilder out = new StringBuilder("{\"traceEvents\":[\n");
        for (int i = 0; i < events.size(); i++) {
            out.append(events.get(i)).append(i + 1 < events.size() ? ",\n" : "\n");
        }
        return out.append("],\"displayTimeUnit\":\"ms\",\"otherData\":{\"clock\":\"kernel time\"}}\n").toString();
    }

    private static long tid(String thread, Map<String, Long> tids, Map<Long, Set<String>> names) {
        Long tid = tids.get(thread);
        if (tid == null) {
            long pid = Times.pid(thread);
            tid = pid >= 0 ? pid : FIRST_SYNTHETIC_TID + tids.size();
            tids.put(thread, tid);
            names.computeIfAbsent(tid, t -> new LinkedHashSet<>()).add(thread);
        }
        return tid;
    }

    private static String complete(String name, String cat, long tid, Stamp start, Stamp end, String args) {
        long realNanos = end.realNanos() - start.realNanos();
        return "{\"name\":" + quote(name) + ",\"cat\":\"" + cat + "\",\"ph\":\"X\",\"ts\":" + micros(start.kernelNanos())
                + ",\"dur\":" + micros(Math.max(0, end.kernelNanos() - start.kernelNanos())) + ",\"pid\":" + PID
                + ",\"tid\":" + tid + ",\"args\":{" + args + ",\"real_us\":" + micros(Math.max(0, realNanos)) + "}}";
    }

    /** Nanoseconds as a JSON number of microseconds, exact: {@code 120000000.000}. */
    static String micros(long nanos) {
        String sign = nanos < 0 ? "-" : "";
        long abs = Math.abs(nanos);
        String frac = Long.toString(abs % 1000);
        return sign + abs / 1000 + "." + "000".substring(frac.length()) + frac;
    }

    /** A JSON string literal: quotes, backslashes, control characters and lone surrogates escaped. */
    public static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    boolean loneSurrogate = Character.isSurrogate(c) && !(Character.isHighSurrogate(c)
                            && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)));
                    if (Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1))) {
                        loneSurrogate = false;
                    }
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || loneSurrogate) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
