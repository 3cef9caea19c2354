package dev.kmodharness.lockdep.jvm;

import dev.kmodharness.lockdep.jvm.fixture.PeerLoader;
import dev.kmodharness.lockdep.jvm.fixture.Rendezvous;
import java.time.Duration;
import java.util.Map;

/**
 * A child JVM's main: forms a cycle no thread can leave (two threads in each other's static
 * initializer, or in each other's monitor) under a {@link JvmLockdep} that reports to stderr;
 * then waits for the parent to end the process. Arguments: the kind ("class-init" or
 * "monitor") and the sampling period in milliseconds.
 */
public final class JvmCycles {

    private JvmCycles() {
    }

    public static void main(String[] args) throws Exception {
        Duration period = Duration.ofMillis(Long.parseLong(args[1]));
        JvmLockdep lockdep = JvmLockdep.builder().period(period).start();
        Thread first;
        Thread second;
        switch (args[0]) {
            case "class-init" -> {
                String fixture = "dev.kmodharness.lockdep.jvm.fixture.";
                Map<String, PeerLoader> loaders = PeerLoader.peers(JvmCycles.class.getClassLoader(),
                        fixture + "InitA", fixture + "InitB");
                first = new Thread(() -> init(fixture + "InitA", loaders.get(fixture + "InitA")), "insmod a");
                second = new Thread(() -> init(fixture + "InitB", loaders.get(fixture + "InitB")), "insmod b");
            }
            case "monitor" -> {
                Object a = new Object();
                Object b = new Object();
                first = new Thread(() -> nested(a, b), "lock a then b");
                second = new Thread(() -> nested(b, a), "lock b then a");
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
        first.start();
        second.start();
        System.out.println("cycle forming");
        // Never returns: the two threads stay in their cycle until the parent destroys us.
        first.join();
        lockdep.close();
    }

    private static void init(String className, ClassLoader loader) {
        try {
            Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void nested(Object outer, Object inner) {
        synchronized (outer) {
            Rendezvous.bothInitializing();
            synchronized (inner) {
                System.out.println("never");
            }
        }
    }
}
