package dev.kmodharness.symbols;

/**
 * What makes a class file one this JVM can define, checked when a module is read, before any
 * of it loads: the kernel's elf_validity_check and check_modinfo (kernel/module/main.c), which
 * refuse a malformed .ko with -ENOEXEC before the module exists. A class file must start with
 * the magic number, carry a class-file version this JVM runs (major at most
 * {@code Runtime.version().feature() + 44}, no preview minor version), and name the class its
 * entry's path names (checked by the scan that reads it, {@link #checkName}).
 */
final class ClassFormat {

    /** The highest class-file major version the running JVM defines. */
    static final int MAX_MAJOR = Runtime.version().feature() + 44;

    private ClassFormat() {
    }

    /** {@code a.b.C} as its entry, {@code a/b/C.class}. */
    static String entryName(String binaryName) {
        return binaryName.replace('.', '/') + ".class";
    }

    /**
     * The fault that keeps {@code bytes}, the entry of class {@code binaryName}, from being
     * defined, as one line naming the entry; null when there is none. Reads the header only:
     * cheap, and safe on any bytes.
     */
    static String check(String binaryName, byte[] bytes) {
        String entry = entryName(binaryName);
        if (bytes.length < 10 || u4(bytes, 0) != 0xCAFEBABE) {
            return entry + ": not a class file (bad magic number)";
        }
        int minor = u2(bytes, 4);
        int major = u2(bytes, 6);
        if (major > MAX_MAJOR || major < 45) {
            return entry + ": class-file version " + major + "." + minor + ", this JVM (Java "
                    + Runtime.version().feature() + ") defines " + 45 + " to " + MAX_MAJOR;
        }
        if (minor == 0xFFFF) {
            return entry + ": class-file version " + major + "." + minor + " needs preview features";
        }
        return null;
    }

    /** The fault of a class file that holds {@code internalName} at the entry of {@code binaryName}, or null. */
    static String checkName(String binaryName, String internalName) {
        if (internalName.equals(binaryName.replace('.', '/'))) {
            return null;
        }
        return entryName(binaryName) + ": holds class " + internalName.replace('/', '.') + " (wrong name)";
    }

    private static int u2(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }

    private static int u4(byte[] b, int at) {
        return (u2(b, at) << 16) | u2(b, at + 2);
    }
}
