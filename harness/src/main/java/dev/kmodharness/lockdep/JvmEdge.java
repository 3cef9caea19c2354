package dev.kmodharness.lockdep;

import dev.kmodharness.lockdep.jvm.JvmWait;
import java.util.Collection;
import java.util.List;

/**
 * A wait outside the harness as an edge of the harness's wait-for graph: a task blocked on a
 * Java monitor or lock another thread holds, in Thread.join, or waiting for the JVM's
 * initialization of a class another thread is initializing ({@link JvmWait}, as the JVM shows
 * it). Edges of both kinds make one graph, so a cycle through a harness wait and a JVM wait is
 * named as any other.
 *
 * @param waiter the blocked task
 * @param edge what it does and waits for, held by the JVM wait's owner
 */
public record JvmEdge(Thread waiter, WaitFor edge) {

    /**
     * The edge of {@code wait}, or null when the JVM names no owner.
     *
     * @param activity what the waiter was doing: "kmodtest.b.init.Init.<clinit> [b]"
     */
    public static JvmEdge of(JvmWait wait, String activity) {
        if (wait.owner() == null) {
            return null;
        }
        return new JvmEdge(wait.waiter(), new WaitFor(activity, new Held(wait.resource(), wait.owner())));
    }

    /** A JVM wait's resource: held by its one owner. */
    private record Held(String describe, Thread owner) implements Resource {
        @Override
        public Collection<Thread> holders() {
            return List.of(owner);
        }
    }
}
