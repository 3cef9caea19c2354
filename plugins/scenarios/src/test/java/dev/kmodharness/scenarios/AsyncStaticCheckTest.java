package dev.kmodharness.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kmodharness.kmod.Depmod;
import dev.kmodharness.lockdep.StaticCheck;
import dev.kmodharness.release.Release;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The static check follows async_schedule and schedule_work on the real JARs and reports the
 * cycles a run shows, per release: gvt-async hangs for good on 6.12 (kvmgt's init waits for
 * i915's probe) and not on 5.15 (kvmgt's init queued no async work); gvt-work on neither.
 */
class AsyncStaticCheckTest {

    @Test
    void asyncProbeRequestingAModuleWhoseInitWaitsForAsyncWorkIsACycleOn612Only() throws Exception {
        Depmod index = Depmod.scan(Sets.gvtAsync());

        assertEquals(List.of(new StaticCheck.WorkRequest("i915", "kvmgt", true)), StaticCheck.workRequests(index));
        assertEquals(List.of("i915 (async work) -> request_module(kvmgt) -> kvmgt init (async_synchronize_full) -> "
                + "i915 (async work)"), StaticCheck.asyncCycles(index, Release.V6_12));
        assertEquals(List.of(), StaticCheck.asyncCycles(index, Release.V5_15));
        assertEquals(List.of(), StaticCheck.cycles(index, Sets.SYMBOL_TIMEOUT), "no init requests kvmgt itself");
    }

    @Test
    void workItemsAreWaitedForByNoInit() throws Exception {
        Depmod index = Depmod.scan(Sets.gvtWork());

        assertEquals(List.of(new StaticCheck.WorkRequest("i915", "kvmgt", false)), StaticCheck.workRequests(index));
        for (Release release : Release.values()) {
            assertEquals(List.of(), StaticCheck.asyncCycles(index, release), release.version());
        }
    }
}
