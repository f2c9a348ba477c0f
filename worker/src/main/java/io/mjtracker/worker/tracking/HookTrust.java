package io.mjtracker.worker.tracking;

/**
 * Whether one profile's hooks can be trusted to announce its tasks' ends, from what polls observe: of the
 * last {@value #WINDOW} ends a poll saw (of tasks seen unfinished before), how many a hint had announced
 * first. While at least {@value #TRUSTED_AT} of them were, the profile's tasks are polled only at the
 * safety gap plus on hints; when hooks stop (a proxy restarted without its hook, a network change), the
 * ends the safety-gap polls find unannounced bring the share down and the cadence back by itself.
 *
 * <p>Ends count: a lost hook of a progress step is covered by the next one, but a lost hook of the end
 * leaves the task to the safety gap, so the end is what the lag depends on. Hence the high bar: at 95% up
 * to one end in twenty waits for the gap. While trusted, a task seen changed between two polls without a
 * single hook of it in between counts as an end unannounced too: hooks come on every progress step, so
 * that means they have stopped, and it is seen at the first safety-gap poll of a running task rather
 * than at the ends, which may be a minute away. Tracker thread only, apart from the gauges.
 */
final class HookTrust {

    static final int WINDOW = 20;
    static final int TRUSTED_AT = 19;

    private final boolean enabled;
    private final long safetyGapMillis;
    private final boolean[] announced = new boolean[WINDOW];
    private int observed;
    private int next;
    private int announcedCount;
    private volatile boolean trusted;
    private volatile double share;

    /**
     * @param enabled the profile has a hook token; otherwise it is never trusted and nothing is counted
     * @param safetyGapMillis the longest a task waits between polls while hooks are trusted
     */
    HookTrust(boolean enabled, long safetyGapMillis) {
        this.enabled = enabled;
        this.safetyGapMillis = safetyGapMillis;
    }

    static HookTrust none() {
        return new HookTrust(false, 0);
    }

    /**
     * A poll saw a task's end, or (while trusted) a change no hook of it preceded; {@code announcedFirst}
     * where a hint said so before.
     */
    void observed(boolean announcedFirst) {
        if (!enabled) {
            return;
        }
        if (observed == WINDOW && announced[next]) {
            announcedCount--;
        }
        announced[next] = announcedFirst;
        if (announcedFirst) {
            announcedCount++;
        }
        next = (next + 1) % WINDOW;
        observed = Math.min(WINDOW, observed + 1);
        share = (double) announcedCount / observed;
        trusted = observed == WINDOW && announcedCount >= TRUSTED_AT;
    }

    boolean enabled() {
        return enabled;
    }

    /** Whether tasks are polled at the safety gap plus on hints rather than on the cadence. */
    boolean trusted() {
        return trusted;
    }

    /** Of the ends (and, while trusted, changes) observed last, the share hints announced first; 0 before any. */
    double share() {
        return share;
    }

    long safetyGapMillis() {
        return safetyGapMillis;
    }
}
