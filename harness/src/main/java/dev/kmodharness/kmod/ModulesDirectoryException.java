package dev.kmodharness.kmod;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * A modules directory depmod cannot open. The message is the one line depmod prints
 * (tools/depmod.c, depmod_modules_search: {@code could not open directory %s: %m}), with
 * strerror's words for the cause: {@code depmod: ERROR: could not open directory DIR: Not a
 * directory}.
 */
public final class ModulesDirectoryException extends IOException {

    private static final long serialVersionUID = 1L;

    private ModulesDirectoryException(String message, IOException cause) {
        super(message, cause);
    }

    static ModulesDirectoryException of(Path dir, IOException cause) {
        return new ModulesDirectoryException("depmod: ERROR: could not open directory " + dir + ": "
                + strerror(dir, cause), cause);
    }

    /** strerror(errno) for what opendir(3) fails with. */
    private static String strerror(Path dir, IOException e) {
        if (e instanceof NotDirectoryException) {
            return "Not a directory";
        }
        if (e instanceof NoSuchFileException) {
            // opendir of a regular file fails with ENOTDIR; Java reports some paths as missing
            return java.nio.file.Files.isRegularFile(dir) ? "Not a directory" : "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        String reason = e.getMessage();
        return reason == null ? e.getClass().getSimpleName() : reason;
    }
}
