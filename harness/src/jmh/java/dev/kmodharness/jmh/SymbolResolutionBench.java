package dev.kmodharness.jmh;

import dev.kmodharness.junit.PluginBuilder;
import dev.kmodharness.lockdep.DeadlockPolicy;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.module.Modules;
import dev.kmodharness.symbols.ModuleImage;
import dev.kmodharness.time.ClockMode;
import dev.kmodharness.time.Scheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The symbol fast path: loading a module whose imports all resolve against LIVE owners
 * (simplify_symbols with no wait), through the public load entry point
 * {@link Modules#loadModule} on a pre-read {@link ModuleImage} (so no JAR reading or bytecode
 * scanning is timed), then unloading it with {@link Modules#deleteModule}. The importer has no
 * init class (its 1,000 static calls sit in a class that is never loaded), so what is timed is
 * the load pipeline: add_unformed_module, 1,000 x resolve_symbol (find_symbol, the GPL check,
 * ref_module), the class loader's creation, complete_formation, do_init_module, and the unload.
 *
 * <ul>
 *   <li>{@code load1000Imports}: symbols per second (ops = symbols), the load's fixed cost
 *     included;</li>
 *   <li>{@code load0Imports}: loads per second of the same module with no import, the fixed
 *     cost alone; per symbol, marginal = (1/load1000 rate x 1000 - 1/load0 rate) / 1000.</li>
 * </ul>
 * One thread (one core's worth); 10 owners, LIVE, export 100 symbols each.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class SymbolResolutionBench {

    static final int OWNERS = 10;
    static final int PER_OWNER = 100;
    static final int IMPORTS = OWNERS * PER_OWNER;

    Modules modules;
    ModuleImage importer;
    ModuleImage empty;

    @Setup
    public void setUp() throws Exception {
        Path dir = Files.createTempDirectory("kmod-jmh-symbols-");
        for (int o = 0; o < OWNERS; o++) {
            PluginBuilder owner = PluginBuilder.plugin("o" + o).license("GPL").noInit();
            for (int s = 0; s < PER_OWNER; s++) {
                owner.exportsGpl("o" + o + "_s" + s);
            }
            owner.writeTo(dir);
        }
        Path imp = PluginBuilder.plugin("imp").license("GPL").noInit()
                .resource("kmodtest/imp/Calls.class", callsClass()).writeTo(dir);
        Path imp0 = PluginBuilder.plugin("imp0").license("GPL").noInit().writeTo(dir.resolve("empty"));

        Scheduler sched = new Scheduler(ClockMode.VIRTUAL, 1.0 / 120, DeadlockPolicy.REPORT, report -> { });
        Dmesg dmesg = new Dmesg(sched::now, 1 << 16);
        modules = new Modules(sched, dmesg, TimeUnit.SECONDS.toNanos(30), (name, wait, activity) -> -2, true,
                event -> { }, false, false, 1 << 16);
        for (int o = 0; o < OWNERS; o++) {
            int ret = modules.loadModule(ModuleImage.read(dir.resolve("o" + o + ".jar")), Map.of());
            if (ret != 0) {
                throw new IllegalStateException("owner o" + o + ": " + ret);
            }
        }
        importer = ModuleImage.read(imp);
        empty = ModuleImage.read(imp0);
        if (importer.imports().size() != IMPORTS) {
            throw new IllegalStateException("importer has " + importer.imports().size() + " imports");
        }
    }

    /** {@code kmodtest.imp.Calls.run()}: one static call to every owner's every symbol. */
    private static byte[] callsClass() {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, "kmodtest/imp/Calls", null,
                "java/lang/Object", null);
        MethodVisitor run = writer.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "run", "()V", null, null);
        run.visitCode();
        for (int o = 0; o < OWNERS; o++) {
            for (int s = 0; s < PER_OWNER; s++) {
                run.visitMethodInsn(Opcodes.INVOKESTATIC, "kmodtest/o" + o + "/Symbols", "o" + o + "_s" + s, "()V", false);
            }
        }
        run.visitInsn(Opcodes.RETURN);
        run.visitMaxs(0, 0);
        run.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    @Benchmark
    @OperationsPerInvocation(IMPORTS)
    public int load1000Imports() {
        return loadAndUnload(importer);
    }

    @Benchmark
    public int load0Imports() {
        return loadAndUnload(empty);
    }

    private int loadAndUnload(ModuleImage image) {
        int ret = modules.loadModule(image, Map.of());
        if (ret != 0) {
            throw new IllegalStateException(image.name() + ": load returned " + ret);
        }
        ret = modules.deleteModule(image.name());
        if (ret != 0) {
            throw new IllegalStateException(image.name() + ": delete returned " + ret);
        }
        return ret;
    }
}
