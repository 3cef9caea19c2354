package dev.kmodharness.junit;

import static dev.kmodharness.junit.KernelAssertions.assertThat;
import static dev.kmodharness.junit.KernelAssertions.at;
import static dev.kmodharness.junit.KernelAssertions.within;
import static dev.kmodharness.junit.PluginBuilder.plugin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kmodharness.Kernel;
import dev.kmodharness.api.Errno;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * The assertions on a kernel where a's init sleeps msleep(2500) of kernel time (626 jiffies at
 * HZ=250, which the timer wheel rounds up to 2.528 s), then b links against a.
 */
@KernelTest
class KernelAssertionsTest {

    Kernel kernel;

    @ModuleSet
    List<PluginBuilder> set() {
        return List.of(
                plugin("a").license("GPL").exportsGpl("a_fn").printk("a: probing").msleep(2_500).printk("a: ready"),
                plugin("b").license("GPL").imports("a", "a_fn").printk("b: up").exit(),
                plugin("other").license("GPL").printk("other: up"));
    }

    @BeforeEach
    void load() {
        assertThat(kernel).command(kernel.modprobe("other")).succeeded();
        assertThat(kernel).command(kernel.modprobe("b")).succeeded();
    }

    @Test
    void passingAssertionsReadLikeTheKernel() {
        assertThat(kernel).module("a").isLive().hasHolders("b").hasRefcnt(1);
        assertThat(kernel).module("b").isLive().uses("a").hasNoHolders().hasRefcnt(0);
        assertThat(kernel).dmesg()
                .containsLine("a: probing", at(0))
                .containsLine("a: ready", at(2.528))
                .containsLine("b: up", within(2, 3))
                .containsLinesInOrder("other: up", "a: probing", "b: up")
                .containsLineMatching("a: (probing|ready)")
                .doesNotContainLine("c: up");
        assertThat(kernel).isIdle().hasNoDeadlock().isAt(2.528);
        assertThat(kernel).returned(kernel.rmmod("a")).isErrno(-Errno.EWOULDBLOCK);
        assertThat(kernel).returned(kernel.rmmod("b")).isZero();
        assertThat(kernel).module("b").isNotLoaded();
        assertThat(kernel.modprobe("nope")).failed().exitsWith(1)
                .printed("modprobe: FATAL: Module nope not found in directory " + kernel.depmod().dir());
    }

    @Test
    void aFailedModuleAssertionShowsLsmodAndTheModulesDmesgLines() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> assertThat(kernel).module("a").isLive().hasHolders("b", "c"));
        assertEquals("""
                expected a to be used by [b, c], but it is used by [b]
                == lsmod ==
                Module                  Size  Used by
                b                        %d  0
                a                        %d  1 b
                other                    %d  0
                == dmesg (the lines naming a) ==
                [    0.000000] a: probing
                [    2.528000] a: ready""".formatted(size("b"), size("a"), size("other")), e.getMessage());
    }

    @Test
    void aDmesgLineAtAnotherTimeSaysSoAndShowsTheBuffer() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> assertThat(kernel).dmesg().containsLine("a: ready", within(0, 2.499999)));
        assertEquals("""
                expected a dmesg line "a: ready" within 0.000000 s and 2.499999 s (it is there, at another time)
                == dmesg ==
                [    0.000000] other: up
                [    0.000000] a: probing
                [    2.528000] a: ready
                [    2.528000] b: up""", e.getMessage());
    }

    @Test
    void failedCountsTimesAndCommandsSayWhatTheyFound() {
        assertEquals("expected 2 dmesg lines \"b: up\", but there are 1",
                firstLine(() -> assertThat(kernel).dmesg().containsLine("b: up", 2)));
        assertEquals("expected kernel time at 3.000000 s, but it is 2.528000 s",
                firstLine(() -> assertThat(kernel).isAt(3)));
        assertEquals("expected -16 (Device or resource busy), but it returned -11 (Resource temporarily unavailable)",
                firstLine(() -> assertThat(kernel).returned(kernel.rmmod("a")).isErrno(-Errno.EBUSY)));
        assertEquals("expected modprobe to exit 0, but it exited 1",
                firstLine(() -> assertThat(kernel).command(kernel.modprobe("nope")).succeeded()));
        assertEquals("expected lockdep to report the cycle a -> b, but it reported none",
                firstLine(() -> assertThat(kernel).hasDeadlock("a -> b")));
        assertEquals("expected the kernel to hang for good, but it went idle",
                firstLine(() -> assertThat(kernel).isHung()));
    }

    private long size(String module) {
        return kernel.module(module).orElseThrow().size();
    }

    private static String firstLine(org.junit.jupiter.api.function.Executable assertion) {
        return assertThrows(AssertionFailedError.class, assertion).getMessage().lines().findFirst().orElseThrow();
    }
}
