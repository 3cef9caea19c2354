package dev.kmodharness.log;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The kernel's console: a thread that hands every printk line, formatted as dmesg prints it,
 * to a sink as soon as it is logged, in order, so a user sees what happened so far while the
 * kernel runs (or hangs). printk never waits for it: the console reads the ring on its own
 * thread, and a line the ring drops before the console reads it becomes one "messages dropped"
 * line, as on a slow serial console.
 */
public final class Console implements AutoCloseable {

    private final Thread thread;
    /** Set by close: the thread drains what is logged and ends. */
    private volatile boolean closing;
    private final Dmesg dmesg;

    /** @param sink receives each line on the console thread; it may block (a slow terminal) */
    public Console(Dmesg dmesg, Consumer<String> sink, String name) {
        this.dmesg = dmesg;
        this.thread = new Thread(() -> {
            long seq = 0;
            List<Dmesg.Record> batch = new ArrayList<>();
            while (true) {
                boolean last = closing;
                batch.clear();
                try {
                    // A short wait: close() may set closing just before this read starts waiting.
                    seq = dmesg.read(seq, batch, last ? 0 : 100);
                } catch (InterruptedException e) {
                    return;
                }
                batch.forEach(record -> sink.accept(record.toString()));
                if (last) {
                    return;
                }
            }
        }, "kmod-console " + name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Prints what is logged up to now and stops. Waits for: the console thread, at most one
     * second (a sink blocked for longer is left behind).
     */
    @Override
    public void close() {
        closing = true;
        dmesg.wakeReaders();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
