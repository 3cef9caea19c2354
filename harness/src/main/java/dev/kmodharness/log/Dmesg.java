package dev.kmodharness.log;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The printk ring buffer: lines stamped with kernel time since boot, read back as dmesg prints
 * them, {@code [%5d.%06d] text}. Holds at most {@code capacity} lines and drops the oldest, as
 * log_buf does. Its own monitor guards the buffer; printk never blocks on anything else, so it
 * may be called with the kernel lock held.
 */
public final class Dmesg {

    private final LongSupplier clock;
    private final int capacity;
    /** Guarded by this. */
    private final ArrayDeque<Record> ring = new ArrayDeque<>();
    /** The sequence number the next line gets (/dev/kmsg's seq). Guarded by this. */
    private long nextSeq;
    /** Guarded by this: printk's taint notice is printed once per boot. */
    private boolean lockDebuggingDisabled;

    public Dmesg(LongSupplier kernelNanos, int capacity) {
        this.clock = kernelNanos;
        this.capacity = capacity;
    }

    /** One line of the buffer: kernel time in nanoseconds and the text. */
    public record Record(long nanos, String text) {
        @Override
        public String toString() {
            return format(nanos, text);
        }
    }

    /** Appends each line of {@code text}, stamped with the current kernel time. */
    public void printk(String text) {
        long now = clock.getAsLong();
        synchronized (this) {
            for (String line : text.split("\n", -1)) {
                if (line.isEmpty() && text.endsWith("\n")) {
                    continue;
                }
                if (ring.size() == capacity) {
                    ring.removeFirst();
                }
                ring.addLast(new Record(now, line));
                nextSeq++;
            }
            notifyAll(); // wakes the console's read
        }
    }

    /**
     * syslog(SYSLOG_ACTION_READ), as a console reads: blocks until a line after {@code seq} is
     * logged or {@code timeoutMillis} pass, then adds every line from {@code seq} on to
     * {@code into}; lines the ring has dropped meanwhile become one
     * {@code ** N printk messages dropped **} line, as the kernel's console prints it. Waits
     * for: a printk, {@link #wakeReaders()}, or the timeout.
     *
     * @return the sequence number to read from next
     */
    public synchronized long read(long seq, List<Record> into, long timeoutMillis) throws InterruptedException {
        if (nextSeq <= seq && timeoutMillis > 0) {
            wait(timeoutMillis);
        }
        long first = nextSeq - ring.size();
        if (seq < first) {
            into.add(new Record(clock.getAsLong(), "** " + (first - seq) + " printk messages dropped **"));
            seq = first;
        }
        int skip = (int) (seq - first);
        int i = 0;
        for (Record record : ring) {
            if (i++ >= skip) {
                into.add(record);
            }
        }
        return nextSeq;
    }

    /** Wakes every {@link #read} waiting now (a console closing). */
    public synchronized void wakeReaders() {
        notifyAll();
    }

    /** add_taint's "Disabling lock debugging due to kernel taint", printed the first time only. */
    public void taint() {
        synchronized (this) {
            if (lockDebuggingDisabled) {
                return;
            }
            lockDebuggingDisabled = true;
        }
        printk("Disabling lock debugging due to kernel taint");
    }

    public synchronized List<Record> records() {
        return new ArrayList<>(ring);
    }

    /** The buffer as dmesg prints it, one string a line. */
    public List<String> lines() {
        return records().stream().map(Record::toString).toList();
    }

    /** {@code [%5d.%06d] text}, the kernel's timestamp format. */
    public static String format(long nanos, String text) {
        StringBuilder out = new StringBuilder(text.length() + 16).append('[');
        return stamp(out, nanos, 5).append("] ").append(text).toString();
    }

    /** Kernel nanoseconds as the kernel prints a time, {@code %d.%06d}: seconds and microseconds, 31.712000. */
    public static String seconds(long nanos) {
        return stamp(new StringBuilder(20), nanos, 0).toString();
    }

    /**
     * Appends {@code %*d.%06d} of {@code nanos}, the seconds right-aligned in {@code width}. Not
     * String.format, which costs more than the rest of a short schedule; Long.toString's digits
     * are ASCII whatever the default locale a module may have set.
     */
    private static StringBuilder stamp(StringBuilder out, long nanos, int width) {
        String secs = Long.toString(nanos / 1_000_000_000L);
        String micros = Long.toString((nanos / 1_000L) % 1_000_000L);
        return out.append(" ".repeat(Math.max(0, width - secs.length()))).append(secs).append('.')
                .append("0".repeat(6 - micros.length())).append(micros);
    }
}
