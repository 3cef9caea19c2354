package dev.kmodharness.panic;

/**
 * Ends a task that runs module code on a kernel that has panicked: thrown where module code
 * called System.exit (and at its next call into the kernel after that), caught where the
 * harness started the task. An Error, so that plugin code catching Exception lets it pass; its
 * class is not visible to module class loaders, so plugin code can catch it only as Error or
 * Throwable, and then the kernel has panicked all the same: the harness checks the panic flag,
 * not this throwable, at every task boundary.
 */
public final class Halted extends Error {

    private static final long serialVersionUID = 1L;

    Halted(String panicLine) {
        super(panicLine, null, false, false);
    }
}
