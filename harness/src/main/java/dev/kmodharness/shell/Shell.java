package dev.kmodharness.shell;

import dev.kmodharness.Kernel;
import dev.kmodharness.api.Errno;
import dev.kmodharness.kmod.Modprobe;
import dev.kmodharness.kmod.Strerror;
import dev.kmodharness.module.ModuleInfo;
import dev.kmodharness.shell.Script.Line;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;

/**
 * A root shell on the simulated machine: runs a {@link Script} against one {@link Kernel},
 * each command with the real tool's output and error texts (kmod's modprobe, insmod, rmmod,
 * lsmod; dmesg; cat of /proc/modules and /sys/module/NAME/{initstate,refcnt}; GNU sleep, in
 * kernel time). A line ending in {@code &} runs on a thread of its own; {@code wait} joins every
 * background line started so far, and the script's end joins the rest.
 *
 * <p>Standard output gets the commands' output, each command's whole output in one piece;
 * standard error gets one line per error, never a stack trace. Exit status: 0 when every line
 * succeeded, 1 when one failed, 2 for a malformed script (then nothing runs).
 *
 * <p>Thread-safe: the writers are shared by the background lines under one lock; everything
 * else one run needs is its own.
 */
public final class Shell {

    /** Every line succeeded. */
    public static final int SUCCESS = 0;
    /** At least one line failed. */
    public static final int FAILURE = 1;
    /** The script is malformed: nothing ran. */
    public static final int MALFORMED = 2;

    /** ESRCH, which insmod has its own words for; the harness's Errno does not name it. */
    private static final int ESRCH = 3;
    /** EISDIR: insmod of a directory. */
    private static final int EISDIR = 21;

    private final Kernel kernel;
    /** Guarded by outputLock. */
    private final PrintWriter out;
    /** Guarded by outputLock (it may be the same writer as out). */
    private final PrintWriter err;
    /** Guards out and err: a command's output block, or one error line, is written whole under it. */
    private final Object outputLock = new Object();
    /** What insmod's relative paths (and rmmod's file arguments) are relative to. */
    private final Path workDir;

    /** A shell whose working directory is the process's. */
    public Shell(Kernel kernel, PrintWriter out, PrintWriter err) {
        this(kernel, out, err, Path.of("").toAbsolutePath());
    }

    /** A shell whose working directory is {@code workDir}. */
    public Shell(Kernel kernel, PrintWriter out, PrintWriter err, Path workDir) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
        this.workDir = workDir.toAbsolutePath();
    }

    /**
     * Validates the whole script, then runs it; a malformed script prints one line,
     * {@code kmod-harness: script line N: ...}, and runs nothing.
     *
     * @return {@link #SUCCESS}, {@link #FAILURE} or {@link #MALFORMED}
     */
    public int run(List<String> lines) {
        Script script;
        try {
            script = Script.parse(lines);
        } catch (ScriptException e) {
            printErr("kmod-harness: " + e.getMessage());
            return MALFORMED;
        }
        return run(script);
    }

    /**
     * Runs a parsed script on the calling thread; returns once every background line has
     * ended too.
     *
     * @return {@link #SUCCESS} or {@link #FAILURE}
     */
    public int run(Script script) {
        // The script runs as a task of the kernel, its background lines as tasks of their own,
        // and wait is a harness wait: the virtual clock sees the whole shell.
        return kernel.task(() -> runAsTask(script));
    }

    private int runAsTask(Script script) {
        // Set by any line that fails, from whichever thread runs it.
        AtomicBoolean failed = new AtomicBoolean();
        // The background lines started and not yet joined: confined to the calling thread.
        List<Thread> background = new ArrayList<>();
        for (Line line : script.lines()) {
            if (line.command() instanceof Script.Wait) {
                if (!joinAll(background)) {
                    return interrupted(background);
                }
            } else if (line.background()) {
                background.add(kernel.exec("script line " + line.number(), () -> execute(line, failed)));
            } else {
                execute(line, failed);
            }
        }
        if (!joinAll(background)) {
            return interrupted(background);
        }
        return failed.get() ? FAILURE : SUCCESS;
    }

    private int interrupted(List<Thread> background) {
        printErr("kmod-harness: interrupted; " + background.size() + " background lines left running");
        return FAILURE;
    }

    /**
     * wait: blocks until every thread in {@code threads} has ended, then forgets them. Waits
     * for: their exits, as a harness wait.
     */
    private boolean joinAll(List<Thread> threads) {
        if (!kernel.join(threads)) {
            return false;
        }
        threads.clear();
        return true;
    }

    /** Runs one line; a failure sets {@code failed}. Never throws. */
    private void execute(Line line, AtomicBoolean failed) {
        boolean ok;
        try {
            ok = dispatch(line.command());
        } catch (RuntimeException | Error e) {
            // The harness failed under the command: one line, not a stack trace.
            String what = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
            printErr("kmod-harness: script line " + line.number() + ": " + what);
            ok = false;
        }
        if (!ok) {
            failed.set(true);
        }
    }

    // ---- the commands ----

    private boolean dispatch(Script.Command command) {
        if (command instanceof Script.Modprobe c) {
            return modprobe(c);
        } else if (command instanceof Script.ModprobeRemove c) {
            return modprobeRemove(c);
        } else if (command instanceof Script.Insmod c) {
            return insmod(c);
        } else if (command instanceof Script.Rmmod c) {
            return rmmod(c);
        } else if (command instanceof Script.Lsmod) {
            return print(kernel.lsmod());
        } else if (command instanceof Script.Dmesg) {
            return print(lines(kernel.dmesg()));
        } else if (command instanceof Script.Cat c) {
            return cat(c);
        } else if (command instanceof Script.Sleep c) {
            return sleep(c);
        } else if (command instanceof Script.Uname c) {
            return print(c.release() ? kernel.release().uname() + "\n" : "Linux\n");
        }
        throw new IllegalStateException("not a command a line runs: " + command); // wait: the run loop's
    }

    /** modprobe NAME [param=value]...: modprobe's own lines come from Modprobe. */
    private boolean modprobe(Script.Modprobe c) {
        Modprobe.Result result = kernel.modprobe(c.name(), c.params().toArray(String[]::new));
        result.errors().forEach(this::printErr);
        return result.status() == 0;
    }

    /** modprobe -r NAME...: each in turn; a FATAL ends modprobe, as log_printf's exit does. */
    private boolean modprobeRemove(Script.ModprobeRemove c) {
        boolean ok = true;
        for (String name : c.names()) {
            Modprobe.Result result = kernel.modprobeRemove(name);
            result.errors().forEach(this::printErr);
            if (result.status() != 0) {
                ok = false;
                if (result.errors().stream().anyMatch(line -> line.startsWith("modprobe: FATAL: "))) {
                    break;
                }
            }
        }
        return ok;
    }

    /**
     * insmod PATH [param=value]...: kmod's tools/insmod.c. A file that is not there fails in
     * kmod_module_new_from_path ("could not load module"); everything else is the init_module
     * error, in insmod's mod_strerror words.
     */
    private boolean insmod(Script.Insmod c) {
        Path file = workDir.resolve(c.path());
        int err;
        if (!Files.exists(file)) {
            printErr("insmod: ERROR: could not load module " + c.path() + ": " + Strerror.of(Errno.ENOENT));
            return false;
        } else if (Files.isDirectory(file)) {
            err = -EISDIR;
        } else {
            err = kernel.insmod(file, c.params().toArray(String[]::new));
        }
        if (err < 0) {
            printErr("insmod: ERROR: could not insert module " + c.path() + ": " + modStrerror(-err));
            return false;
        }
        return true;
    }

    /** insmod's mod_strerror: its own words for four errnos, strerror for the rest. */
    static String modStrerror(int errno) {
        return switch (errno) {
            case Errno.ENOEXEC -> "Invalid module format";
            case Errno.ENOENT -> "Unknown symbol in module";
            case ESRCH -> "Module has wrong symbol version";
            case Errno.EINVAL -> "Invalid parameters";
            case EISDIR -> "Is a directory";
            default -> Strerror.of(errno);
        };
    }

    /**
     * rmmod NAME...: kmod's tools/rmmod.c, for each name: check_module_inuse (builtin, not
     * loaded, holders, refcnt, in that order), then delete_module; the others are still tried
     * after one fails.
     */
    private boolean rmmod(Script.Rmmod c) {
        boolean ok = true;
        for (String arg : c.names()) {
            ok &= rmmodOne(arg);
        }
        return ok;
    }

    private boolean rmmodOne(String arg) {
        // rmmod takes an existing file as a path (kmod_module_new_from_path), else a name.
        String name = Files.isRegularFile(workDir.resolve(arg)) ? normalize(workDir.resolve(arg).getFileName().toString())
                : normalize(arg);
        Optional<ModuleInfo> info = kernel.module(name);
        if (info.isPresent() && info.get().builtin()) {
            printErr("rmmod: ERROR: Module " + name + " is builtin.");
            return false;
        }
        if (info.isEmpty()) {
            printErr("rmmod: ERROR: Module " + name + " is not currently loaded");
            return false;
        }
        if (!info.get().holders().isEmpty()) {
            // kmod_module_get_holders lists /sys/module/NAME/holders; the harness lists the
            // holders newest first, as /proc/modules does (see "Where we differ")
            printErr("rmmod: ERROR: Module " + name + " is in use by: " + String.join(" ", info.get().holders()));
            return false;
        }
        // check_module_inuse (kmod 29 and today's): "in use" only for a refcnt above 0; any
        // other negative kmod_module_get_refcnt than -ENOENT, such as the -1 of a module
        // unloading (try_release_module_ref), fails the name without a word.
        if (info.get().refcnt() > 0) {
            printErr("rmmod: ERROR: Module " + name + " is in use");
            return false;
        }
        if (info.get().refcnt() < 0) {
            return false;
        }
        int err = kernel.rmmod(name);
        if (err < 0) {
            // Two lines: libkmod's kmod_module_remove_module logs its own ERR (rmmod's log level
            // is LOG_ERR, through tools/log.c's log_kmod, with the module's name), then rmmod's.
            printErr("rmmod: ERROR: could not remove '" + name + "': " + Strerror.of(err));
            printErr("rmmod: ERROR: could not remove module " + arg + ": " + Strerror.of(err));
            return false;
        }
        return true;
    }

    /** libkmod's modname_normalize: '-' reads as '_', and the name ends at the first '.'. */
    static String normalize(String name) {
        int dot = name.indexOf('.');
        return (dot < 0 ? name : name.substring(0, dot)).replace('-', '_');
    }

    /**
     * cat FILE...: /proc/modules, or /sys/module/NAME/initstate and refcnt, which exist only
     * for a loaded (not built-in) module. Each file in turn, as cat goes on after an error.
     */
    private boolean cat(Script.Cat c) {
        boolean ok = true;
        for (String file : c.files()) {
            if (file.equals("/proc/modules")) {
                print(kernel.procModules());
                continue;
            }
            Matcher m = Script.sysfsPattern().matcher(file);
            if (!m.matches()) {
                throw new IllegalStateException("not validated: " + file);
            }
            Optional<ModuleInfo> info = kernel.module(m.group(1)).filter(i -> !i.builtin());
            if (info.isEmpty()) {
                printErr("cat: " + file + ": No such file or directory");
                ok = false;
            } else if (m.group(2).equals("initstate")) {
                print(info.get().state().initstate() + "\n");
            } else {
                print(info.get().refcnt() + "\n");
            }
        }
        return ok;
    }

    /** sleep: kernel time, as a task of the kernel (the virtual clock jumps over it). */
    private boolean sleep(Script.Sleep c) {
        kernel.sleep(Duration.ofNanos(c.nanos()));
        return true;
    }

    // ---- output ----

    private static String lines(List<String> lines) {
        StringBuilder text = new StringBuilder();
        lines.forEach(line -> text.append(line).append('\n'));
        return text.toString();
    }

    /** One command's standard output, written in one piece. */
    private boolean print(String block) {
        if (!block.isEmpty()) {
            synchronized (outputLock) {
                out.print(block);
                out.flush();
            }
        }
        return true;
    }

    /** One line of standard error, written in one piece. */
    private void printErr(String line) {
        synchronized (outputLock) {
            err.print(line + "\n");
            err.flush();
        }
    }
}
