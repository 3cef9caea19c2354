package dev.kmodharness.api;

/**
 * Thrown from a module's init (the static initializer of its {@code Module-Init} class) to
 * return an errno, as module_init returns {@code -ENODEV}. {@code new ModuleInitException(-19)}
 * and {@code new ModuleInitException(19)} mean the same: init failed with -ENODEV. Unlike a C
 * init, an exception cannot report success, so there is no positive-return case.
 */
public class ModuleInitException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int errno;

    /** @param errno the error, with or without the kernel's minus sign; never 0 */
    public ModuleInitException(int errno) {
        this(errno, null);
    }

    /**
     * @param errno the error, with or without the kernel's minus sign; never 0
     * @param message what the module would pr_err, or null
     */
    public ModuleInitException(int errno, String message) {
        super(message == null ? "init failed with errno " + -Math.abs(errno) : message);
        if (errno == 0) {
            throw new IllegalArgumentException("an init failure needs a non-zero errno");
        }
        this.errno = -Math.abs(errno);
    }

    /** The negative errno init returns, e.g. -19 for -ENODEV. */
    public int errno() {
        return errno;
    }
}
