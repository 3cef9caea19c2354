package dev.kmodharness.junit;

import dev.kmodharness.Kernel;
import dev.kmodharness.module.ModuleInfo;
import dev.kmodharness.module.ModuleState;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.opentest4j.AssertionFailedError;

/**
 * Assertions on one module: its state (/sys/module/NAME/initstate), refcnt and holders. Each
 * reads a fresh snapshot; a failure shows the snapshot, lsmod and the module's dmesg lines.
 */
public final class ModuleAssert {

    private final Kernel kernel;
    private final String name;

    ModuleAssert(Kernel kernel, String name) {
        this.kernel = kernel;
        this.name = name;
    }

    /** LIVE (a built-in counts: it is LIVE after boot). */
    public ModuleAssert isLive() {
        return hasState(ModuleState.LIVE);
    }

    /** COMING: its init is running (or waiting). */
    public ModuleAssert isComing() {
        return hasState(ModuleState.COMING);
    }

    /** GOING: its exit is running, or its init failed and it is being freed. */
    public ModuleAssert isGoing() {
        return hasState(ModuleState.GOING);
    }

    public ModuleAssert hasState(ModuleState state) {
        Optional<ModuleInfo> info = kernel.module(name);
        if (info.isEmpty() || info.get().state() != state) {
            throw failure("expected " + name + " to be " + state + ", but it is "
                    + info.map(i -> i.state().toString()).orElse("not loaded"), state, info.map(ModuleInfo::state));
        }
        return this;
    }

    /** Not in the kernel: never loaded, failed, or unloaded. */
    public ModuleAssert isNotLoaded() {
        Optional<ModuleInfo> info = kernel.module(name);
        if (info.isPresent()) {
            throw failure("expected " + name + " not to be loaded, but it is " + info.get().state(), "not loaded",
                    info.get().state());
        }
        return this;
    }

    /** Built into the kernel image. */
    public ModuleAssert isBuiltin() {
        if (!info().builtin()) {
            throw failure("expected " + name + " to be built in, but it is a loadable module", true, false);
        }
        return this;
    }

    /** Exactly these holders (/sys/module/NAME/holders, lsmod's "Used by"), in any order. */
    public ModuleAssert hasHolders(String... holders) {
        List<String> actual = info().holders();
        List<String> expected = List.of(holders);
        if (actual.size() != expected.size() || !actual.containsAll(expected)) {
            throw failure("expected " + name + " to be used by " + expected + ", but it is used by " + actual,
                    expected, actual);
        }
        return this;
    }

    /** No module uses it. */
    public ModuleAssert hasNoHolders() {
        return hasHolders();
    }

    /** /sys/module/NAME/refcnt: module_refcount(). */
    public ModuleAssert hasRefcnt(int refcnt) {
        int actual = info().refcnt();
        if (actual != refcnt) {
            throw failure("expected " + name + "'s refcnt to be " + refcnt + ", but it is " + actual, refcnt, actual);
        }
        return this;
    }

    /** It uses exactly these modules (their symbols linked into it), in any order. */
    public ModuleAssert uses(String... modules) {
        List<String> actual = info().uses();
        List<String> expected = List.of(modules);
        if (actual.size() != expected.size() || !actual.containsAll(expected)) {
            throw failure("expected " + name + " to use " + expected + ", but it uses " + actual, expected, actual);
        }
        return this;
    }

    private ModuleInfo info() {
        return kernel.module(name).orElseThrow(() -> failure("expected " + name + " to be loaded, but it is not",
                "loaded", "not loaded"));
    }

    /** The message, lsmod, then the dmesg lines that name the module (all of dmesg when none does). */
    private AssertionFailedError failure(String message, Object expected, Object actual) {
        Pattern mentions = Pattern.compile("(?<![A-Za-z0-9_])" + Pattern.quote(name) + "(?![A-Za-z0-9_])");
        List<String> lines = kernel.dmesg().stream().filter(l -> mentions.matcher(l).find()).toList();
        String dmesg = lines.isEmpty() ? KernelAssert.dmesgTail(kernel)
                : KernelAssert.dmesgSection(lines, "the lines naming " + name);
        return new AssertionFailedError(message + "\n== lsmod ==\n" + kernel.lsmod().stripTrailing() + dmesg,
                expected, actual);
    }
}
