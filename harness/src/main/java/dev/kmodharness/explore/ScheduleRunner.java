package dev.kmodharness.explore;

import dev.kmodharness.Kernel;
import dev.kmodharness.lockdep.DeadlockReport;
import dev.kmodharness.module.ModuleInfo;
import dev.kmodharness.time.Kthreadd;
import dev.kmodharness.time.Settled;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Runs the scenario once under one schedule: boots a fresh kernel with the schedule (on the
 * module images read once for the whole exploration), runs the scenario as a task, waits until
 * the kernel comes to rest, and records what a user would see. A run that stalls or hangs is
 * given up: its threads are renamed and left parked, the kernel closed; the next run goes on.
 */
final class ScheduleRunner implements AutoCloseable {

    private final Supplier<Kernel.Builder> kernels;
    private final Scenario scenario;
    private final Duration stall;
    /** The task threads of this runner's kernels, reused from one schedule to the next. */
    private final Kthreadd kthreadd = Kthreadd.pooled(8);

    /**
     * @param kernels a configured kernel builder, a new one each call (the schedule is added here)
     * @param stall how long, in real time, one step may run before the run counts as stalled
     */
    ScheduleRunner(Supplier<Kernel.Builder> kernels, Scenario scenario, Duration stall) {
        this.kernels = kernels;
        this.scenario = scenario;
        this.stall = stall;
    }

    /** @param label names the threads of a run that has to be given up */
    Run run(Chooser chooser, String label) {
        Recorder recorder = new Recorder(chooser);
        Kernel kernel;
        // The boot task (pid 1) is named as in `kmod-harness run`, which boots on the main
        // thread: its name shows in the interleaving, whichever job's thread boots.
        Thread self = Thread.currentThread();
        String name = self.getName();
        self.setName("main");
        try {
            kernel = kernels.get().schedule(recorder).kthreadd(kthreadd).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            self.setName(name);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter outWriter = new PrintWriter(out);
        PrintWriter errWriter = new PrintWriter(err);
        // Written by the scenario's task before it exits; read once the kernel is at rest
        // (its exit takes the kernel lock, which awaitSettled takes after).
        int[] status = {-1};
        kernel.exec("sh", () -> {
            int result;
            try {
                result = scenario.run(kernel, outWriter, errWriter);
            } catch (RuntimeException e) {
                errWriter.print("kmod-harness: " + (e.getMessage() == null ? e.toString() : e.getMessage()) + "\n");
                result = 1;
            }
            outWriter.flush();
            errWriter.flush();
            status[0] = result;
        });
        Settled settled = kernel.awaitSettled(stall);
        Run.End end = switch (settled) {
            case IDLE -> Run.End.FINISHED;
            case HUNG -> Run.End.HUNG;
            case STALLED -> Run.End.STALLED;
        };
        String report = "";
        boolean closable = true;
        if (end != Run.End.FINISHED) {
            List<String> reports = kernel.abandonSchedule(label, stall);
            if (reports == null) {
                closable = false;
                report = "explore: the stalled task holds the kernel lock; schedule abandoned";
            } else if (!reports.isEmpty()) {
                report = reports.get(0).lines().findFirst().orElse("");
            }
        }
        Trace trace = recorder.trace();
        Run run;
        if (closable) {
            List<String> states = new ArrayList<>();
            for (ModuleInfo info : kernel.modules()) {
                states.add(info.name() + " " + (info.builtin() ? "builtin" : info.state().initstate()));
            }
            List<String> cycles = kernel.deadlocks().stream().map(DeadlockReport::chain).toList();
            run = new Run(trace, end == Run.End.FINISHED ? status[0] : -1, out.toString(), err.toString(), states,
                    kernel.lsmod(), kernel.dmesg(), cycles, end, report);
            kernel.close();
        } else {
            run = new Run(trace, -1, out.toString(), err.toString(), List.of(), "", kernel.dmesg(), List.of(), end,
                    report);
        }
        return run;
    }

    /** Ends the pooled threads no schedule uses any more. */
    @Override
    public void close() {
        kthreadd.close();
    }
}
