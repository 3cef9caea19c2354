package dev.kmodharness.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every outcome should show, as lines the shell's own commands print: {@code status N}
 * (the script's exit status), {@code /sys/module/NAME/initstate:STATE} (as {@code grep .}
 * prints the file; {@code STATE} may be {@code absent}), or any other line, which must be a line
 * of the final lsmod, or of what the script wrote (compared with runs of blanks made one).
 */
final class Expectation {

    private static final Pattern STATUS = Pattern.compile("status\\s+(-?\\d+)");
    private static final Pattern INITSTATE = Pattern.compile("/sys/module/([a-z0-9_-]+)/initstate:\\s*(\\S+)");

    private final String line;

    Expectation(String line) {
        this.line = line.strip();
    }

    /** Whether {@code run} shows this line; a hung or stalled run shows no status. */
    boolean holds(Run run) {
        Matcher m = STATUS.matcher(line);
        if (m.matches()) {
            return run.end() == Run.End.FINISHED && run.status() == Integer.parseInt(m.group(1));
        }
        m = INITSTATE.matcher(line);
        if (m.matches()) {
            String name = m.group(1).replace('-', '_');
            String state = run.states().stream().filter(s -> s.startsWith(name + " "))
                    .map(s -> s.substring(name.length() + 1)).findFirst().orElse("absent");
            return state.equals(m.group(2));
        }
        String wanted = squeeze(line);
        List<String> lines = new ArrayList<>(run.lsmod().lines().toList());
        lines.addAll(run.out().lines().toList());
        lines.addAll(run.err().lines().toList());
        return lines.stream().anyMatch(l -> squeeze(l).equals(wanted));
    }

    String line() {
        return line;
    }

    private static String squeeze(String s) {
        return s.strip().replaceAll("\\s+", " ");
    }
}
