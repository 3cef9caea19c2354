package dev.kmodharness.symbols;

import dev.kmodharness.api.Errno;

/**
 * A file that is not a well-formed module: what the kernel rejects with -ENOEXEC
 * ("Invalid module format"), or, for an image past the size bound, -EFBIG ("File too large").
 * The message is one line naming the file and the fault.
 */
public final class InvalidModuleException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int errno;

    public InvalidModuleException(String message) {
        this(message, -Errno.ENOEXEC);
    }

    /** @param errno the negative errno a load of the file returns */
    public InvalidModuleException(String message, int errno) {
        super(message, null, false, false);
        this.errno = errno;
    }

    /** The negative errno: -ENOEXEC, or -EFBIG for an image past the size bound. */
    public int errno() {
        return errno;
    }
}
