package dev.kmodharness.lockdep.jvm;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * HotSpot's thread dump (the DiagnosticCommand MBean's threadPrint, what jstack and jcmd
 * Thread.print print), read for what ThreadMXBean does not show: which thread waits for a
 * class's initialization, and which threads are running a static initializer. A thread
 * waiting for another's {@code <clinit>} (JVMS 5.5 step 2: the initialization lock's wait)
 * reports RUNNABLE to ThreadMXBean with no lock; only this dump names the class, in the same
 * words on JDK 17 and 25:
 *
 * <pre>
 * "modprobe kvmgt" #18 daemon prio=5 os_prio=0 cpu=0.20ms elapsed=1.63s tid=0x... nid=0x16fb in Object.wait()  [0x...]
 *    java.lang.Thread.State: RUNNABLE
 * 	at kvmgt.Kvmgt.&lt;clinit&gt;(Kvmgt.java:12)
 * 	- waiting on the Class initialization monitor for drivers.gpu.drm.i915.I915Pci
 * </pre>
 *
 * (HotSpot's JavaThread::print_stack_on and javaVFrame::print_lock_info_on). JDK 19 and
 * later add the native id after the Java id: {@code "main" #1 [6039] prio=5}.
 */
final class ThreadDump {

    private static final Pattern HEADER = Pattern.compile("^\"(.*)\" #(\\d+)\\b");
    private static final Pattern FRAME = Pattern.compile("^\\s+at (\\S+)\\(");
    private static final Pattern CLASS_INIT_WAIT =
            Pattern.compile("^\\s+- waiting on the Class initialization monitor for (\\S+)");
    private static final String CLINIT = ".<clinit>";

    /** Per Java thread id: the classes whose initialization it waits for (at most one). */
    private final Map<Long, String> initWaits;
    /** Per Java thread id: the classes whose static initializer is on its stack, innermost first. */
    private final Map<Long, List<String>> initializing;

    private ThreadDump(Map<Long, String> initWaits, Map<Long, List<String>> initializing) {
        this.initWaits = initWaits;
        this.initializing = initializing;
    }

    /**
     * Takes a dump of every live platform thread. Blocks for a safepoint (as jstack does);
     * returns an empty dump on a JVM without HotSpot's DiagnosticCommand MBean.
     */
    static ThreadDump take() {
        String text;
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            text = (String) server.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "threadPrint", new Object[] {new String[0]}, new String[] {String[].class.getName()});
        } catch (JMException | RuntimeException e) {
            text = "";
        }
        return parse(text);
    }

    /** Reads a threadPrint text. */
    static ThreadDump parse(String text) {
        Map<Long, String> waits = new HashMap<>();
        Map<Long, List<String>> inits = new HashMap<>();
        long thread = -1;
        for (String line : text.split("\n")) {
            Matcher header = HEADER.matcher(line);
            if (header.find()) {
                thread = Long.parseLong(header.group(2));
                continue;
            }
            if (thread < 0) {
                continue;
            }
            Matcher frame = FRAME.matcher(line);
            if (frame.find()) {
                String method = frame.group(1);
                if (method.endsWith(CLINIT)) {
                    inits.computeIfAbsent(thread, t -> new ArrayList<>())
                            .add(method.substring(0, method.length() - CLINIT.length()));
                }
                continue;
            }
            Matcher wait = CLASS_INIT_WAIT.matcher(line);
            if (wait.find()) {
                waits.put(thread, wait.group(1));
            }
        }
        return new ThreadDump(waits, inits);
    }

    /** The class whose initialization thread {@code id} waits for, or null. */
    String initWaitOf(long id) {
        return initWaits.get(id);
    }

    /** The ids of the threads with {@code className}'s static initializer on their stack. */
    List<Long> initializing(String className) {
        List<Long> ids = new ArrayList<>();
        initializing.forEach((id, classes) -> {
            if (classes.contains(className)) {
                ids.add(id);
            }
        });
        ids.sort(null);
        return ids;
    }
}
