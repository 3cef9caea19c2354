/**
 * Exploration of interleavings: deterministic schedules over a kernel's tasks, the strategies
 * that choose them (exhaustive depth-first search with sleep sets under a preemption bound, PCT,
 * random walk), replay tokens, and the outcomes they lead to. It drives the scheduler through
 * {@link dev.kmodharness.time.ScheduleControl} alone; the scheduler knows no strategy. The front
 * door is {@link dev.kmodharness.explore.Explorer}.
 */
package dev.kmodharness.explore;
