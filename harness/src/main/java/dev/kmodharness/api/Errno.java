package dev.kmodharness.api;

/**
 * The errno values the module loader uses (include/uapi/asm-generic/errno-base.h and errno.h).
 * Positive, as in C: a load or init returns the negative, {@code -Errno.EBUSY}.
 */
public final class Errno {

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENOEXEC = 8;
    public static final int EAGAIN = 11;
    /** The same value as EAGAIN, the name delete_module uses. */
    public static final int EWOULDBLOCK = EAGAIN;
    public static final int ENOMEM = 12;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EFBIG = 27;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int EDEADLK = 35;
    public static final int ETIME = 62;

    private Errno() {
    }
}
