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
            }
        }
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
        return String.format("[%5d.%06d] %s", nanos / 1_000_000_000L, (nanos / 1_000L) % 1_000_000L, text);
    }
}
