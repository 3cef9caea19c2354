package dev.kmodharness.explore;

import dev.kmodharness.time.ScheduleControl.Kind;
import java.util.List;

/**
 * One step of a schedule: what task {@code pid} ({@code task}, "comm/pid") did between two
 * scheduling points, as the effects others can see.
 */
public record Step(int pid, String task, List<Effect> effects) {

    /** One visible effect: a wait, a wake-up, a module state, a printk, a task started or ended, time. */
    public record Effect(Kind kind, String subject, int count) {
    }

    /** The step as an interleaving table shows it: its effects, one a line; empty when it has none to show. */
    List<String> describe() {
        List<String> lines = new java.util.ArrayList<>();
        for (Effect e : effects) {
            switch (e.kind()) {
                case WAIT -> lines.add("waits: " + e.subject());
                case WAKE -> {
                    if (e.count() > 0) {
                        lines.add("wakes " + e.subject());
                    }
                }
                case STATE -> lines.add(e.subject());
                case SPAWN -> lines.add("starts " + e.subject());
                case EXIT -> lines.add("exits");
                case TIME -> lines.add("(time " + e.subject() + ")");
                case PRINTK -> {
                    // dmesg shows the text; the table shows what ordered it
                }
                default -> throw new IllegalStateException(e.kind().toString());
            }
        }
        return lines;
    }
}
