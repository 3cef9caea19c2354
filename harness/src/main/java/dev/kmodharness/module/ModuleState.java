package dev.kmodharness.module;

/** enum module_state, with the words /sys/module/X/initstate and /proc/modules use. */
public enum ModuleState {
    /** Normal state: init has returned 0. */
    LIVE("live", "Live"),
    /** Fully formed, running module_init. */
    COMING("coming", "Loading"),
    /** Going away: init failed, or rmmod. */
    GOING("going", "Unloading"),
    /** Still being set up: invisible to symbol lookup and /proc/modules. */
    UNFORMED("unformed", "Unformed");

    private final String initstate;
    private final String procState;

    ModuleState(String initstate, String procState) {
        this.initstate = initstate;
        this.procState = procState;
    }

    /** As /sys/module/X/initstate prints it: live, coming, going. */
    public String initstate() {
        return initstate;
    }

    /** As /proc/modules prints it: Live, Loading, Unloading. */
    public String procState() {
        return procState;
    }
}
