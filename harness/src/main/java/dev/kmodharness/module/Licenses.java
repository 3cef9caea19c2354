package dev.kmodharness.module;

import java.util.Set;

/** license_is_gpl_compatible() of include/linux/license.h. */
final class Licenses {

    private static final Set<String> GPL_COMPATIBLE = Set.of("GPL", "GPL v2", "GPL and additional rights",
            "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL");

    private Licenses() {
    }

    static boolean isGplCompatible(String license) {
        return license != null && GPL_COMPATIBLE.contains(license);
    }
}
