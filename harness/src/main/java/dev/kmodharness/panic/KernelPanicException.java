package dev.kmodharness.panic;

/**
 * Thrown by every operation on a kernel that has panicked (module code called System.exit,
 * Runtime.exit or Runtime.halt): as after the kernel's panic(), nothing runs on it any more.
 * The message is one line, the panic's own: {@code Kernel panic - not syncing: ...}.
 */
public final class KernelPanicException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public KernelPanicException(String panicLine) {
        super(panicLine);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        // One line is the whole report; the trace of the harness's caller says nothing more.
        return this;
    }
}
