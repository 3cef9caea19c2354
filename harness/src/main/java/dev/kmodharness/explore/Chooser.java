package dev.kmodharness.explore;

/**
 * How one schedule is chosen: at each scheduling point, which runnable task runs the next step.
 * A strategy makes one per schedule. Called with the kernel lock held; must not block.
 */
interface Chooser {

    /**
     * @param node the point's index in this run (0, 1, ...)
     * @param runnable pids that can run, ascending, never empty
     * @param current the pid that reached the point and can go on, else 0
     * @return one of {@code runnable}
     */
    int choose(int node, int[] runnable, int current);

    /** The step chosen at {@code node} ended. */
    default void stepped(int node, Step step) {
    }

    /** The default choice: the task that reached the point goes on, else the lowest pid. */
    static int byDefault(int[] runnable, int current) {
        return contains(runnable, current) ? current : runnable[0];
    }

    static boolean contains(int[] runnable, int pid) {
        for (int p : runnable) {
            if (p == pid) {
                return true;
            }
        }
        return false;
    }
}
