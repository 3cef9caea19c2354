package dev.kmodharness.shell;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed, validated script for {@link Shell}: one command a line, words split at blanks, as
 * a root shell reads them. Comments ({@code #} starting a word, to the end of the line) and
 * blank lines are dropped; a trailing {@code &} runs the line in the background. Quotes,
 * pipes, redirections, {@code ;}, {@code &&} and expansions are not supported: a script that
 * uses them is malformed. Immutable.
 */
public final class Script {

    /** Characters with a shell meaning this shell does not give them. */
    private static final String UNSUPPORTED = ";|<>`$()'\"\\";

    /** /sys/module/NAME/ATTR, the two attributes the shell can read. */
    private static final Pattern SYSFS = Pattern.compile("/sys/module/([^/]+)/(initstate|refcnt)");

    /** GNU sleep's NUMBER[SUFFIX], without the exponent and hex forms. */
    private static final Pattern INTERVAL = Pattern.compile("(\\d+\\.?\\d*|\\.\\d+)([smhd]?)");

    private final List<Line> lines;

    private Script(List<Line> lines) {
        this.lines = List.copyOf(lines);
    }

    /** One command line of the script. */
    record Line(int number, String text, Command command, boolean background) {
    }

    /** What a line runs. */
    sealed interface Command {
    }

    /** {@code modprobe NAME [param=value]...} */
    record Modprobe(String name, List<String> params) implements Command {
    }

    /** {@code modprobe -r NAME...} */
    record ModprobeRemove(List<String> names) implements Command {
    }

    /** {@code insmod PATH [param=value]...} */
    record Insmod(String path, List<String> params) implements Command {
    }

    /** {@code rmmod NAME...} */
    record Rmmod(List<String> names) implements Command {
    }

    /** {@code lsmod} */
    record Lsmod() implements Command {
    }

    /** {@code dmesg} */
    record Dmesg() implements Command {
    }

    /** {@code cat FILE...}, each /proc/modules or /sys/module/NAME/{initstate,refcnt}. */
    record Cat(List<String> files) implements Command {
    }

    /** {@code sleep INTERVAL...}: their sum, in kernel nanoseconds. */
    record Sleep(long nanos) implements Command {
    }

    /** {@code wait}: joins every background line started so far. */
    record Wait() implements Command {
    }

    /** {@code uname} (the kernel's name) or {@code uname -r} (its release). */
    record Uname(boolean release) implements Command {
    }

    /**
     * Parses and validates every line.
     *
     * @throws ScriptException for the first line that is malformed
     */
    public static Script parse(List<String> lines) throws ScriptException {
        List<Line> parsed = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Line line = parseLine(i + 1, lines.get(i));
            if (line != null) {
                parsed.add(line);
            }
        }
        return new Script(parsed);
    }

    /** The command lines, in order, without comments and blank lines. */
    List<Line> lines() {
        return lines;
    }

    /** How many command lines the script has. */
    public int size() {
        return lines.size();
    }

    /** Null for a blank or comment line. */
    private static Line parseLine(int number, String raw) throws ScriptException {
        String text = raw.strip();
        List<String> words = words(number, raw, text);
        if (words.isEmpty()) {
            return null;
        }
        boolean background = false;
        int amp = words.indexOf("&");
        if (amp >= 0) {
            if (words.size() == 1) {
                throw new ScriptException(number, "'&' without a command in '" + text + "'");
            }
            if (amp != words.size() - 1) {
                throw new ScriptException(number, "'&' not at the end of the line in '" + text + "'");
            }
            background = true;
            words = words.subList(0, amp);
        }
        String name = words.get(0);
        List<String> args = words.subList(1, words.size());
        Command command = switch (name) {
            case "modprobe" -> modprobe(number, text, args);
            case "insmod" -> insmod(number, text, args);
            case "rmmod" -> rmmod(number, text, args);
            case "lsmod" -> noArguments(number, text, args, new Lsmod());
            case "dmesg" -> noArguments(number, text, args, new Dmesg());
            case "wait" -> noArguments(number, text, args, new Wait());
            case "cat" -> cat(number, text, args);
            case "sleep" -> sleep(number, text, args);
            case "uname" -> args.equals(List.of("-r")) ? new Uname(true) : noArguments(number, text, args, new Uname(false));
            default -> throw new ScriptException(number, "unknown command '" + name + "'");
        };
        if (background && command instanceof Wait) {
            throw new ScriptException(number, "wait cannot run in the background in '" + text + "'");
        }
        return new Line(number, text, command, background);
    }

    /**
     * The line's words: split at blanks, {@code &} a word of its own, a word starting with
     * {@code #} and the rest of the line dropped.
     */
    private static List<String> words(int number, String raw, String text) throws ScriptException {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '&') {
                if (word.length() > 0) {
                    words.add(word.toString());
                    word.setLength(0);
                }
                if (c == '&') {
                    if (i + 1 < raw.length() && raw.charAt(i + 1) == '&') {
                        throw new ScriptException(number, "unsupported shell syntax '&&' in '" + text + "'");
                    }
                    words.add("&");
                }
            } else if (c == '#' && word.length() == 0) {
                break;
            } else if (UNSUPPORTED.indexOf(c) >= 0) {
                throw new ScriptException(number, "unsupported shell syntax '" + c + "' in '" + text + "'");
            } else {
                word.append(c);
            }
        }
        if (word.length() > 0) {
            words.add(word.toString());
        }
        return words;
    }

    private static Command modprobe(int number, String text, List<String> args) throws ScriptException {
        boolean remove = false;
        List<String> operands = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("-r") || arg.equals("--remove")) {
                remove = true;
            } else if (arg.startsWith("-")) {
                throw new ScriptException(number, "unknown option '" + arg + "' in '" + text + "'");
            } else {
                operands.add(arg);
            }
        }
        if (operands.isEmpty()) {
            throw new ScriptException(number, "missing module name in '" + text + "'");
        }
        if (remove) {
            return new ModprobeRemove(List.copyOf(operands));
        }
        List<String> params = operands.subList(1, operands.size());
        checkParams(number, text, params);
        return new Modprobe(operands.get(0), List.copyOf(params));
    }

    private static Command insmod(int number, String text, List<String> args) throws ScriptException {
        if (args.isEmpty()) {
            throw new ScriptException(number, "missing module file in '" + text + "'");
        }
        for (String arg : args) {
            if (arg.startsWith("-")) {
                throw new ScriptException(number, "unknown option '" + arg + "' in '" + text + "'");
            }
        }
        List<String> params = args.subList(1, args.size());
        checkParams(number, text, params);
        return new Insmod(args.get(0), List.copyOf(params));
    }

    private static Command rmmod(int number, String text, List<String> args) throws ScriptException {
        if (args.isEmpty()) {
            throw new ScriptException(number, "missing module name in '" + text + "'");
        }
        for (String arg : args) {
            if (arg.startsWith("-")) {
                throw new ScriptException(number, "unknown option '" + arg + "' in '" + text + "'");
            }
        }
        return new Rmmod(List.copyOf(args));
    }

    /** A parameter is {@code name=value} or a bare {@code name}; it needs a name. */
    private static void checkParams(int number, String text, List<String> params) throws ScriptException {
        for (String param : params) {
            if (param.startsWith("=")) {
                throw new ScriptException(number, "bad parameter '" + param + "' in '" + text + "'");
            }
        }
    }

    private static Command noArguments(int number, String text, List<String> args, Command command)
            throws ScriptException {
        if (!args.isEmpty()) {
            throw new ScriptException(number, "unexpected argument '" + args.get(0) + "' in '" + text + "'");
        }
        return command;
    }

    private static Command cat(int number, String text, List<String> args) throws ScriptException {
        if (args.isEmpty()) {
            throw new ScriptException(number, "missing file operand in '" + text + "'");
        }
        for (String file : args) {
            if (!file.equals("/proc/modules") && !SYSFS.matcher(file).matches()) {
                throw new ScriptException(number, "unsupported file '" + file + "' in '" + text + "'"
                        + " (cat reads /proc/modules, /sys/module/NAME/initstate and /sys/module/NAME/refcnt)");
            }
        }
        return new Cat(List.copyOf(args));
    }

    /** GNU sleep: each operand NUMBER[smhd], seconds by default; the sum is slept. */
    private static Command sleep(int number, String text, List<String> args) throws ScriptException {
        if (args.isEmpty()) {
            throw new ScriptException(number, "missing operand in '" + text + "'");
        }
        BigDecimal total = BigDecimal.ZERO;
        for (String arg : args) {
            Matcher m = INTERVAL.matcher(arg);
            if (!m.matches()) {
                throw new ScriptException(number, "invalid time interval '" + arg + "' in '" + text + "'");
            }
            long unit = switch (m.group(2)) {
                case "m" -> 60;
                case "h" -> 3600;
                case "d" -> 86400;
                default -> 1;
            };
            total = total.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)));
        }
        try {
            // Whole nanoseconds, rounded up as sleep rounds up to its clock's resolution.
            return new Sleep(total.movePointRight(9).setScale(0, java.math.RoundingMode.UP).longValueExact());
        } catch (ArithmeticException e) {
            throw new ScriptException(number, "invalid time interval '" + String.join(" ", args) + "' in '" + text
                    + "' (too long)");
        }
    }

    static Pattern sysfsPattern() {
        return SYSFS;
    }
}
