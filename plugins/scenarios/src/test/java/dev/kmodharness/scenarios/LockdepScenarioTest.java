package dev.kmodharness.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodharness.Kernel;
import dev.kmodharness.cli.Main;
import dev.kmodharness.lockdep.DeadlockPolicy;
import dev.kmodharness.log.Dmesg;
import dev.kmodharness.module.ModuleState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 3 on the real sets: the static check finds the seed's cycle from bytecode alone, and
 * fail-fast turns the seed's hang into one immediate -EDEADLK.
 */
class LockdepScenarioTest {

    @Test
    void staticCheckFindsTheSeedsCycleAndNothingInTheV519Design() {
        StringWriter out = new StringWriter();
        assertEquals(1, Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()),
                "check", "--modules", Sets.gvtRequest().toString()));
        assertTrue(out.toString().contains("i915: init calls request_module(\"kvmgt\")"), out.toString());
        assertTrue(out.toString().contains("cycle: i915 -> kvmgt -> i915 hangs 120 s (4 symbols x 30 s)"), out.toString());
        assertTrue(out.toString().contains("  kvmgt waits for i915, COMING, for: i915_gem_object_set_to_cpu_domain, "
                + "intel_ring_begin, i915_vma_move_to_active, shmem_unpin_map"), out.toString());

        StringWriter ops = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(ops), new PrintWriter(new StringWriter()),
                "check", "--modules", Sets.gvtOps().toString()));
        assertTrue(ops.toString().contains("check: 2 modules, 0 cycles that hang"), ops.toString());
    }

    @Test
    void failFastTurnsTheSeedIntoOneImmediateEdeadlk() throws Exception {
        try (Kernel kernel = Kernel.builder().modules(Sets.gvtRequest())
                .deadlockPolicy(DeadlockPolicy.FAIL_FAST).build()) {
            assertEquals(0, kernel.modprobe("i915", "enable_gvt=1").status());
            assertTrue(kernel.awaitIdle());

            List<String> texts = kernel.dmesgRecords().stream().map(Dmesg.Record::text).toList();
            assertEquals(List.of("kvmgt: Unknown symbol i915_gem_object_set_to_cpu_domain (err -35)"),
                    texts.stream().filter(t -> t.contains("Unknown symbol")).toList());
            assertFalse(texts.stream().anyMatch(t -> t.contains("gave up waiting")), texts.toString());
            assertEquals(1, kernel.deadlocks().size());
            assertEquals("i915 init -> request_module(kvmgt) -> kvmgt resolving i915_gem_object_set_to_cpu_domain "
                    + "-> i915 COMING", kernel.deadlocks().get(0).chain());
            assertEquals(0, kernel.now(), "no 30 s wait");
            assertEquals(ModuleState.LIVE, kernel.state("i915").orElseThrow());
            assertTrue(kernel.state("kvmgt").isEmpty());
        }
    }
}
