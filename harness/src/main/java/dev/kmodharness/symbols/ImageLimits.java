package dev.kmodharness.symbols;

import dev.kmodharness.api.Errno;
import java.io.IOException;
import java.io.InputStream;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The bound on a module image read into memory, so that no JAR, however it is made, can run
 * the JVM out of memory: its entries may inflate to {@link #MAX_IMAGE_BYTES} in all, in at most
 * {@link #MAX_ENTRIES} entries. Past that the file is refused with -EFBIG, as
 * kernel_read_file (fs/kernel_read_file.c) refuses a file larger than its max_size before
 * reading it; finit_module reads a module that way. The declared size of each entry is
 * checked first, and the inflated bytes are counted as they come, so a JAR that lies about its
 * sizes (a zip bomb) stops at the bound too. One per read; not thread-safe.
 */
final class ImageLimits {

    /** The most a module JAR's entries may inflate to, all together: 64 MiB. */
    static final int MAX_IMAGE_BYTES = 64 << 20;
    /** The most entries a module JAR may have. */
    static final int MAX_ENTRIES = 65_536;

    private final String file;
    private long total;
    private int entries;

    ImageLimits(String file) {
        this.file = file;
    }

    /** The manifest, read within the same bound. */
    static Manifest manifest(JarFile jar, String file) throws IOException, InvalidModuleException {
        JarEntry entry = jar.getJarEntry(JarFile.MANIFEST_NAME);
        if (entry == null) {
            return null;
        }
        byte[] bytes = new ImageLimits(file).read(jar, entry);
        return new Manifest(new java.io.ByteArrayInputStream(bytes));
    }

    /** The entry's inflated bytes, counted against the bound. */
    byte[] read(JarFile jar, JarEntry entry) throws IOException, InvalidModuleException {
        if (++entries > MAX_ENTRIES) {
            throw tooLarge("more than " + MAX_ENTRIES + " entries");
        }
        long left = MAX_IMAGE_BYTES - total;
        if (entry.getSize() > left) {
            throw tooLarge(entry.getName());
        }
        byte[] bytes;
        try (InputStream in = jar.getInputStream(entry)) {
            // readNBytes grows its buffer as bytes arrive: a lying header costs nothing extra.
            bytes = in.readNBytes((int) left + 1);
        }
        if (bytes.length > left) {
            throw tooLarge(entry.getName());
        }
        total += bytes.length;
        return bytes;
    }

    private InvalidModuleException tooLarge(String what) {
        return new InvalidModuleException(file + ": File too large (" + what + " inflates past the "
                + (MAX_IMAGE_BYTES >> 20) + " MiB image limit)", -Errno.EFBIG);
    }
}
