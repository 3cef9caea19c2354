package dev.kmodharness.explore;

import java.util.ArrayList;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;

/**
 * A schedule as a person reads an interleaving: one column per task (in pid order), one row per
 * visible effect, in the order the steps ran. Steps with nothing to show are left out; a step
 * that preempted a task that could have gone on is marked {@code >}.
 */
final class Interleaving {

    /** Cells wider than this wrap. */
    private static final int WIDTH = 34;

    private Interleaving() {
    }

    static String render(Trace trace) {
        Map<Integer, String> columns = new TreeMap<>();
        for (Step step : trace.steps()) {
            columns.putIfAbsent(step.pid(), step.task());
        }
        List<Integer> pids = new ArrayList<>(columns.keySet());
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < trace.steps().size(); i++) {
            Step step = trace.steps().get(i);
            List<String> lines = step.describe();
            boolean preempted = i < trace.points().size() && trace.points().get(i).preemption();
            for (int j = 0; j < lines.size(); j++) {
                String[] row = new String[pids.size()];
                String text = (j == 0 && preempted ? "> " : "") + lines.get(j);
                row[pids.indexOf(step.pid())] = text;
                rows.add(row);
            }
        }
        int[] widths = new int[pids.size()];
        for (int c = 0; c < pids.size(); c++) {
            widths[c] = Math.min(WIDTH, columns.get(pids.get(c)).length());
            for (String[] row : rows) {
                if (row[c] != null) {
                    widths[c] = Math.max(widths[c], Math.min(WIDTH, row[c].length()));
                }
            }
        }
        StringBuilder out = new StringBuilder();
        String[] header = new String[pids.size()];
        for (int c = 0; c < pids.size(); c++) {
            header[c] = columns.get(pids.get(c));
        }
        line(out, header, widths);
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < widths.length; c++) {
            rule.append(c == 0 ? "" : "-+-").append("-".repeat(widths[c]));
        }
        out.append(rule.toString().stripTrailing()).append('\n');
        for (String[] row : rows) {
            line(out, row, widths);
        }
        return out.toString();
    }

    /** One row, wrapping each cell at its width onto as many lines as it needs. */
    private static void line(StringBuilder out, String[] cells, int[] widths) {
        List<List<String>> wrapped = new ArrayList<>();
        int height = 1;
        for (int c = 0; c < cells.length; c++) {
            List<String> parts = wrap(cells[c] == null ? "" : cells[c], widths[c]);
            wrapped.add(parts);
            height = Math.max(height, parts.size());
        }
        for (int h = 0; h < height; h++) {
            StringBuilder text = new StringBuilder();
            for (int c = 0; c < cells.length; c++) {
                String part = h < wrapped.get(c).size() ? wrapped.get(c).get(h) : "";
                text.append(c == 0 ? "" : " | ").append(String.format("%-" + Math.max(1, widths[c]) + "s", part));
            }
            out.append(text.toString().stripTrailing()).append('\n');
        }
    }

    private static List<String> wrap(String text, int width) {
        List<String> parts = new ArrayList<>();
        String rest = text;
        while (rest.length() > width) {
            int cut = rest.lastIndexOf(' ', width);
            if (cut <= 0) {
                cut = width;
            }
            parts.add(rest.substring(0, cut));
            rest = rest.substring(cut).stripLeading();
        }
        parts.add(rest);
        return parts;
    }
}
