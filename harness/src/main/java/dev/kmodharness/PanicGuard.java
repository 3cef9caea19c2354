package dev.kmodharness;

import dev.kmodharness.panic.Halted;
import dev.kmodharness.panic.KernelPanicException;
import dev.kmodharness.panic.Panic;
import java.util.function.Supplier;

/**
 * The panic check around each operation on a kernel: refused once the kernel has panicked
 * (module code called System.exit, Runtime.exit or Runtime.halt), and failed with the panic's
 * line when it panics meanwhile.
 */
final class PanicGuard {

    private final Panic panic;

    PanicGuard(Panic panic) {
        this.panic = panic;
    }

    /** Throws {@link KernelPanicException} with the panic's line once the kernel has panicked. */
    void check() {
        panic.check();
    }

    /** Runs {@code operation} on the kernel, checked for a panic before and after. */
    <T> T run(Supplier<T> operation) {
        panic.check();
        T result;
        try {
            result = operation.get();
        } catch (Halted halted) {
            throw new KernelPanicException(halted.getMessage());
        }
        panic.check();
        return result;
    }
}
