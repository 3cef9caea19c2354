package dev.kmodharness.lockdep.jvm;

import java.lang.instrument.Instrumentation;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The detector as a Java agent, for any JVM program:
 *
 * <pre>
 * java -javaagent:harness/target/kmod-harness.jar[=period=100ms,threads=REGEX,verbose] ...
 * </pre>
 *
 * or attached to a running JVM (agentmain). Each cycle is printed once to stderr in the
 * harness's lockdep format. Options, comma-separated: {@code period} (sampling period:
 * {@code 100ms}, {@code 2s} or milliseconds; default 100ms), {@code threads} (a regular
 * expression the thread names must match; default all but the JVM's own), {@code verbose} (a
 * line per sample: what the detector costs). The agent keeps no
 * reference of its own: the sampler thread keeps the detector alive for the JVM's life.
 */
public final class JvmLockdepAgent {

    private JvmLockdepAgent() {
    }

    /** Before main, with -javaagent. */
    public static void premain(String options, Instrumentation instrumentation) {
        start(options);
    }

    /** Attached to a running JVM. */
    public static void agentmain(String options, Instrumentation instrumentation) {
        start(options);
    }

    static JvmLockdep start(String options) {
        JvmLockdep.Builder builder = builder(options);
        JvmLockdep lockdep = builder.start();
        System.err.println("jvm lockdep: sampling every " + lockdep.period().toMillis() + " ms");
        return lockdep;
    }

    /** The settings {@code options} ("period=100ms,threads=modprobe.*") give. */
    static JvmLockdep.Builder builder(String options) {
        JvmLockdep.Builder builder = JvmLockdep.builder();
        if (options == null || options.isBlank()) {
            return builder;
        }
        for (String option : options.split(",")) {
            int eq = option.indexOf('=');
            String key = eq < 0 ? option.trim() : option.substring(0, eq).trim();
            String value = eq < 0 ? "" : option.substring(eq + 1).trim();
            switch (key) {
                case "period" -> builder.period(duration(value));
                case "verbose" -> builder.verbose(true);
                case "threads" -> {
                    Pattern names = Pattern.compile(value);
                    builder.threads(t -> names.matcher(t.getName()).matches());
                }
                default -> throw new IllegalArgumentException("jvm lockdep: unknown option '" + key
                        + "' (options: period=100ms, threads=REGEX, verbose)");
            }
        }
        return builder;
    }

    /** "100ms", "2s", "250" (milliseconds). */
    static Duration duration(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
            return Duration.ofMillis(Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("jvm lockdep: bad period '" + text + "' (e.g. 100ms, 2s)", e);
        }
    }
}
