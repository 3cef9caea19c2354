package dev.kmodharness.symbols;

import dev.kmodharness.api.Errno;

/**
 * A file that is not a well-formed module: what the kernel rejects with -ENOEXEC
 * ("Invalid module format"). The message is one line naming the file and the fault.
 */
public final class InvalidModuleException extends Exception {

    private static final long serialVersionUID = 1L;

    public InvalidModuleException(String message) {
        super(message, null, false, false);
    }

    public int errno() {
        return -Errno.ENOEXEC;
    }
}
