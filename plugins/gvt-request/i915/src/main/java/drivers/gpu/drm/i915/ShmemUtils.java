package drivers.gpu.drm.i915;

import dev.kmodharness.api.Export;

/** drivers/gpu/drm/i915/gt/shmem_utils.c: kernel mappings of shmem-backed files. */
public final class ShmemUtils {

    private ShmemUtils() {
    }

    /** Drops the mapping {@code ptr} of {@code file} made by shmem_pin_map. */
    @Export(gpl = true)
    public static void shmem_unpin_map(Object file, Object ptr) {
    }
}
