package dev.kmodharness.timing;

/**
 * A moment, on both clocks: kernel time since boot (what dmesg shows; virtual or scaled) and
 * real time (System.nanoTime, for the CPU work an init does, which costs no virtual time).
 */
public record Stamp(long kernelNanos, long realNanos) {
}
