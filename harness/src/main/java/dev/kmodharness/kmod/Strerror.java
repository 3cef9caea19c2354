package dev.kmodharness.kmod;

import static dev.kmodharness.api.Errno.*;

import java.util.Map;

/** strerror(3) for the errno values the module tools print. */
public final class Strerror {

    private static final Map<Integer, String> TEXT = Map.ofEntries(
            Map.entry(EPERM, "Operation not permitted"),
            Map.entry(ENOENT, "No such file or directory"),
            Map.entry(EINTR, "Interrupted system call"),
            Map.entry(EIO, "Input/output error"),
            Map.entry(ENOEXEC, "Exec format error"),
            Map.entry(EAGAIN, "Resource temporarily unavailable"),
            Map.entry(ENOMEM, "Cannot allocate memory"),
            Map.entry(EFAULT, "Bad address"),
            Map.entry(EBUSY, "Device or resource busy"),
            Map.entry(EEXIST, "File exists"),
            Map.entry(EFBIG, "File too large"),
            Map.entry(ENODEV, "No such device"),
            Map.entry(EINVAL, "Invalid argument"),
            Map.entry(EDEADLK, "Resource deadlock avoided"),
            Map.entry(ETIME, "Timer expired"));

    private Strerror() {
    }

    /** strerror(errno), errno positive or negative. */
    public static String of(int errno) {
        int e = Math.abs(errno);
        return TEXT.getOrDefault(e, "Unknown error " + e);
    }
}
