package dev.kmodharness.symbols;

import java.util.HashSet;
import java.util.Set;

/** The packages every module sees without linking: the JDK's and the harness api. */
public final class Jdk {

    /** The api package plugins see, dotted. */
    public static final String API_PACKAGE = "dev.kmodharness.api";

    /** Packages of the boot layer's modules; immutable after class initialization. */
    private static final Set<String> PACKAGES = bootPackages();

    private Jdk() {
    }

    /** Whether {@code pkg} (dotted) is the JDK's or the api's: never an import. */
    public static boolean isPlatformPackage(String pkg) {
        return PACKAGES.contains(pkg) || pkg.equals(API_PACKAGE);
    }

    /** The package of a binary class name ("a.b.C" gives "a.b"). */
    public static String packageOf(String binaryName) {
        int dot = binaryName.lastIndexOf('.');
        return dot < 0 ? "" : binaryName.substring(0, dot);
    }

    private static Set<String> bootPackages() {
        Set<String> packages = new HashSet<>();
        for (Module module : ModuleLayer.boot().modules()) {
            packages.addAll(module.getPackages());
        }
        // HashSet-backed: asked on every class load; Set.copyOf's probing is slower here.
        return java.util.Collections.unmodifiableSet(packages);
    }
}
