package dev.kmodharness.junit;

import dev.kmodharness.Kernel;
import dev.kmodharness.lockdep.DeadlockPolicy;
import dev.kmodharness.module.ModuleEvent;
import dev.kmodharness.module.ModuleInfo;
import dev.kmodharness.module.ModuleState;
import java.io.IOException;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;
import org.opentest4j.AssertionFailedError;

/**
 * One test's kernel and what came with it: the modules directory, the fields it was injected
 * into, and weak references to every module class loader it made. Closed by Jupiter from the
 * test's store after the test: the kernel closed, the fields cleared, the leak check, the
 * directory deleted. Used by the test's thread only (boot, injection and close run on the
 * thread that runs the test), except {@link #loaders}, which the kernel's threads fill.
 */
final class BootedKernel implements AutoCloseable {

    /** How long, in real time, close waits for a kernel thread to end or a class loader to go. */
    private static final Duration LEAK_WAIT = Duration.ofSeconds(5);

    private final KernelTest config;
    private final ModuleSets.Source source;
    private Kernel kernel;
    /** Fields the kernel or directory went into: cleared on close, so the kernel can be collected. */
    private final List<Map.Entry<Field, Object>> injected = new ArrayList<>();
    /**
     * Every module class loader seen going COMING, weakly, with its module's name. Guarded by
     * its own monitor: the notifier adds from the kernel's threads.
     */
    private final Map<WeakReference<ClassLoader>, String> loaders = new IdentityHashMap<>();
    private final ReferenceQueue<ClassLoader> collected = new ReferenceQueue<>();

    private BootedKernel(KernelTest config, ModuleSets.Source source) {
        this.config = config;
        this.source = source;
    }

    /** Boots a kernel configured by {@code config} on {@code source}; deletes an owned directory if boot fails. */
    static BootedKernel boot(KernelTest config, ModuleSets.Source source) throws IOException {
        BootedKernel booted = new BootedKernel(config, source);
        try {
            booted.kernel = configure(Kernel.builder().modules(source.dir()), config)
                    .notifier(booted::heard)
                    .build();
        } catch (IOException | RuntimeException e) {
            source.delete();
            throw e;
        }
        return booted;
    }

    /** Adopts a kernel booted elsewhere (an explored schedule's): closed, cleared and checked the same way. */
    static BootedKernel adopt(KernelTest config, Kernel kernel, Path dir) {
        BootedKernel booted = new BootedKernel(config, new ModuleSets.Source(dir, false));
        booted.kernel = kernel;
        return booted;
    }

    /** The kernel's configuration from the annotation: everything but the modules and the notifier. */
    static Kernel.Builder configure(Kernel.Builder builder, KernelTest config) {
        try {
            return configureChecked(builder, config);
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException("@KernelTest: " + e.getMessage(), e);
        }
    }

    /** @throws IllegalArgumentException for a value the kernel's builder refuses */
    private static Kernel.Builder configureChecked(Kernel.Builder builder, KernelTest config) {
        return builder
                .release(config.release())
                .hz(config.hz())
                .builtin(config.builtin())
                .clock(config.clock())
                .timeScale(config.timeScale())
                .symbolTimeout(seconds(config.symbolTimeout()))
                .kmodConcurrentMax(config.kmodConcurrentMax())
                .deadlockPolicy(config.deadlock() == KernelTest.Deadlock.REPORT
                        ? DeadlockPolicy.REPORT : DeadlockPolicy.FAIL_FAST)
                .gate(config.gate())
                .asyncProbe(config.asyncProbe())
                .initcallDebug(config.initcallDebug())
                .watchdog(seconds(config.watchdog()))
                .hungTaskTimeout(seconds(config.hungTaskTimeout()))
                .softLockup(seconds(config.softLockup()));
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }

    /** The module notifier: runs with the kernel lock held, so it only records. */
    private void heard(ModuleEvent event) {
        if (event.state() == ModuleState.COMING && event.loader() != null) {
            watch(event.module(), event.loader());
        }
    }

    /** Keeps a weak reference to a module's class loader, for the leak check. */
    private void watch(String module, ClassLoader loader) {
        synchronized (loaders) {
            if (loaders.keySet().stream().noneMatch(ref -> ref.get() == loader)) {
                loaders.put(new WeakReference<>(loader, collected), module);
            }
        }
    }

    KernelTest config() {
        return config;
    }

    Kernel kernel() {
        if (kernel == null) {
            throw new IllegalStateException("the test's kernel is closed");
        }
        return kernel;
    }

    Path dir() {
        return source.dir();
    }

    /** Sets every non-static {@code Kernel} field, and {@code @ModulesDir Path} field, of the instances. */
    void inject(List<Object> instances) {
        for (Object instance : instances) {
            for (Field field : ReflectionSupport.findFields(instance.getClass(), BootedKernel::injectable,
                    HierarchyTraversalMode.TOP_DOWN)) {
                if (Modifier.isFinal(field.getModifiers())) {
                    throw new ExtensionConfigurationException("cannot inject into final field " + field);
                }
                set(field, instance, field.getType() == Kernel.class ? kernel : source.dir());
                injected.add(Map.entry(field, instance));
            }
        }
    }

    private static boolean injectable(Field field) {
        return !Modifier.isStatic(field.getModifiers())
                && (field.getType() == Kernel.class || field.getType() == Path.class && field.isAnnotationPresent(ModulesDir.class));
    }

    private static void set(Field field, Object instance, Object value) {
        try {
            field.setAccessible(true);
            field.set(instance, value);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExtensionConfigurationException("cannot inject into " + field, e);
        }
    }

    /**
     * Closes the kernel (its workers are interrupted), clears the injected fields, deletes an
     * owned directory and, with {@link KernelTest#failOnLeaks()}, fails when a worker has not
     * ended or a module's class loader is still reachable once the kernel is. Waits for: each
     * worker's end and each class loader's collection, up to {@link #LEAK_WAIT} in all.
     */
    @Override
    public void close() throws IOException {
        Kernel k = kernel;
        if (k == null) {
            return;
        }
        for (ModuleInfo module : k.modules()) {
            // built-ins too, which the notifier does not hear of
            k.classLoader(module.name()).ifPresent(loader -> watch(module.name(), loader));
        }
        k.close();
        List<Thread> workers = new ArrayList<>(k.workers());
        kernel = null;
        k = null;
        for (Map.Entry<Field, Object> field : injected) {
            set(field.getKey(), field.getValue(), null);
        }
        injected.clear();
        source.delete();
        if (config.failOnLeaks()) {
            String leaks = leaks(workers);
            if (!leaks.isEmpty()) {
                throw new AssertionFailedError("left behind after the kernel was closed:\n" + leaks);
            }
        }
    }

    /** What outlived the kernel, one line a thread or loader; empty when nothing did. */
    private String leaks(List<Thread> workers) {
        long deadline = System.nanoTime() + LEAK_WAIT.toNanos();
        List<String> out = new ArrayList<>();
        for (Thread worker : workers) {
            try {
                worker.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (worker.isAlive()) {
                out.add("  kernel thread '" + worker.getName() + "' (" + worker.getState() + ") at "
                        + Arrays.stream(worker.getStackTrace()).limit(4).map(String::valueOf)
                                .collect(Collectors.joining(" <- ")));
            }
        }
        // A thread that has ended may still hold its task (some JDKs keep it), and the task the
        // kernel: let go of them before looking for the loaders.
        workers.clear();
        // Each loader's weak reference is enqueued once the collector has found it unreachable.
        synchronized (loaders) {
            try {
                while (!loaders.isEmpty() && System.nanoTime() < deadline) {
                    System.gc();
                    Reference<? extends ClassLoader> gone = collected.remove(100);
                    while (gone != null) {
                        loaders.remove(gone);
                        gone = collected.poll();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            loaders.values().stream().sorted().forEach(module -> out.add("  class loader of module " + module
                    + ": still reachable " + LEAK_WAIT.toSeconds() + " s after close"));
        }
        return String.join("\n", out);
    }
}
