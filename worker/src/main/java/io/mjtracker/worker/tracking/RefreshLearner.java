package io.mjtracker.worker.tracking;

import java.util.Arrays;

/**
 * Learns the sync tick of a gateway that refreshes its copy of every task only every so many seconds
 * (new-api's loop syncs unfinished tasks about every 15 s), so that no task is polled faster than the
 * tick and polls land right after it. Pure and single-threaded: the tracker passes the times.
 *
 * <p>Evidence: each observed change of a task (status or progress) happened between the poll before
 * and the poll that saw it, a window {@code (p, c]}. Under a tick of period {@code P} and phase
 * {@code φ}, every such window holds a tick {@code φ + kP}. The learner looks for the longest period
 * (from {@link #MAX_PERIOD_MS} down to {@link #MIN_PERIOD_MS}) at which one phase lies in at least
 * {@link #AGREEMENT} of the recent windows at most two thirds of the period wide (at least {@link #MIN_WINDOWS}); a smaller period that divides
 * the tick agrees as well, a longer one does not. Wider windows say too little: nearly any phase fits
 * them. So a tick is learnt only where enough polls come well within it, which is also the only
 * case where knowing it saves requests. An upstream whose tasks change at any moment agrees with
 * no period, and nothing changes for it. The windows kept are the last {@link #WINDOWS}.
 *
 * <p>Polls aligned with the tick only ever see whole tick intervals, which cannot tell a period that
 * has stopped being right; the tracker therefore leaves a share of polls unaligned
 * ({@link #EXPLORE_ONE_IN}), whose narrower windows keep the evidence current.
 */
final class RefreshLearner {

    static final long MIN_PERIOD_MS = 3_000;
    static final long MAX_PERIOD_MS = 60_000;
    static final long STEP_MS = 250;
    static final int WINDOWS = 1024;
    /** A period is judged only on evidence spanning this many of its cycles: a few ticks fit many grids. */
    static final int CYCLES_SPANNED = 4;
    /** Windows this close to the one before count once: tasks polled together see the same change. */
    static final long SAME_WINDOW_MS = 100;
    static final int MIN_WINDOWS = 60;
    static final double AGREEMENT = 0.95;
    /** Polls go this long after the learned tick: a gateway's sync loop takes a moment to go through its tasks. */
    static final long MARGIN_MS = 1_000;
    static final long RECOMPUTE_EVERY_MS = 5_000;
    static final int EXPLORE_ONE_IN = 10;
    static final int REFINE_STEPS = 4;

    private final boolean enabled;
    private final long[] starts = new long[WINDOWS];
    private final long[] ends = new long[WINDOWS];
    private int count;
    private int next;
    private long lastStart = -1;
    private long lastEnd = -1;
    private long recomputedAtMillis = Long.MIN_VALUE / 2;
    private boolean dirty;
    private long periodMillis;
    private long phaseMillis;

    /** @param enabled false ({@code MJ_API_REFRESH=off}) learns nothing and leaves every poll where the cadence put it */
    RefreshLearner(boolean enabled) {
        this.enabled = enabled;
    }

    /** A change was seen by the poll sent at {@code seenAtMillis}; the poll before it was sent at {@code previousPollMillis}. */
    void changeSeen(long previousPollMillis, long seenAtMillis) {
        if (!enabled || previousPollMillis < 0 || seenAtMillis <= previousPollMillis || seenAtMillis - previousPollMillis > MAX_PERIOD_MS) {
            return;
        }
        // Tasks polled together (a batch, or tasks taken in together) report one window many times over.
        if (Math.abs(previousPollMillis - lastStart) < SAME_WINDOW_MS && Math.abs(seenAtMillis - lastEnd) < SAME_WINDOW_MS) {
            return;
        }
        lastStart = previousPollMillis;
        lastEnd = seenAtMillis;
        starts[next] = previousPollMillis;
        ends[next] = seenAtMillis;
        next = (next + 1) % WINDOWS;
        count = Math.min(count + 1, WINDOWS);
        dirty = true;
    }

    /** The learned period in milliseconds, or 0 where the upstream shows none. */
    long periodMillis(long nowMillis) {
        refresh(nowMillis);
        return periodMillis;
    }

    /**
     * When to poll a task the cadence wants polled at {@code dueMillis}: with a learned tick, at the last
     * poll point (tick plus margin) not after the due time, but never before the first one after now, which
     * sees nothing a poll now would not. Without one, the due time as it is.
     */
    long align(long dueMillis, long nowMillis) {
        refresh(nowMillis);
        if (periodMillis == 0) {
            return dueMillis;
        }
        long offset = phaseMillis + MARGIN_MS;
        long atOrBeforeDue = dueMillis - Math.floorMod(dueMillis - offset, periodMillis);
        long afterNow = nowMillis - Math.floorMod(nowMillis - offset, periodMillis) + periodMillis;
        return Math.max(atOrBeforeDue, afterNow);
    }

    private void refresh(long nowMillis) {
        if (!dirty || nowMillis - recomputedAtMillis < RECOMPUTE_EVERY_MS) {
            return;
        }
        recomputedAtMillis = nowMillis;
        dirty = false;
        periodMillis = 0;
        for (long period = MAX_PERIOD_MS; period >= MIN_PERIOD_MS; period -= STEP_MS) {
            Agreement found = agreement(period);
            if (found != null) {
                // Periods a step or two off the tick still fit evidence a few cycles long; the tick itself fits best.
                for (long nearby = period - STEP_MS; nearby >= Math.max(MIN_PERIOD_MS, period - REFINE_STEPS * STEP_MS); nearby -= STEP_MS) {
                    Agreement better = agreement(nearby);
                    if (better != null && better.share() > found.share()) {
                        found = better;
                    }
                }
                periodMillis = found.period();
                phaseMillis = found.phase();
                return;
            }
        }
    }

    private record Agreement(long period, long phase, double share) {}

    /** The phase most windows up to two thirds of {@code period} wide agree on, or null where too few do or too few are narrow. */
    private Agreement agreement(long period) {
        // Each window (p, c] covers the phases (p mod P, p mod P + width]; a sweep finds the most covered one.
        long[] events = new long[2 * count];
        int windows = 0;
        long earliest = Long.MAX_VALUE;
        long latest = Long.MIN_VALUE;
        for (int i = 0; i < count; i++) {
            long width = ends[i] - starts[i];
            if (width > period * 2 / 3) {
                continue;
            }
            earliest = Math.min(earliest, starts[i]);
            latest = Math.max(latest, ends[i]);
            long from = Math.floorMod(starts[i], period);
            long to = from + width;
            // Encoded as position * 2 (+1 for an end) so that one sort orders starts before ends at a point.
            events[2 * windows] = from * 2;
            events[2 * windows + 1] = to * 2 + 1;
            windows++;
        }
        if (windows < MIN_WINDOWS || latest - earliest < CYCLES_SPANNED * period) {
            return null;
        }
        // Wrapping arcs are handled by sweeping two turns: an arc past the end reappears at the start.
        long[] sweep = new long[4 * windows];
        for (int i = 0; i < 2 * windows; i++) {
            sweep[i] = events[i];
            sweep[2 * windows + i] = events[i] + 2 * period;
        }
        Arrays.sort(sweep);
        int open = 0;
        int best = 0;
        int bestIndex = -1;
        for (int i = 0; i < sweep.length; i++) {
            if ((sweep[i] & 1) == 0) {
                if (++open > best) {
                    best = open;
                    bestIndex = i;
                }
            } else {
                open--;
            }
        }
        if (best < AGREEMENT * windows) {
            return null;
        }
        // The agreeing windows all hold the tick, so it comes no later than where the first of them ends.
        return new Agreement(period, Math.floorMod(sweep[bestIndex + 1] / 2, period), (double) best / windows);
    }
}
