package io.mjtracker.worker.tracking;

import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Learns the sync tick of a gateway that refreshes its copy of every task only every so many seconds
 * (new-api's loop syncs unfinished tasks about every 15 s), so that no task is polled faster than the
 * tick and polls land right after it. The tracker thread passes the times; the search for a tick, a scan
 * of some 230 periods over up to 2,048 windows that takes tens of milliseconds, runs on the executor it is
 * given, on a copy of the windows, so that many upstreams' learners never hold up the tracker's loop.
 *
 * <p>Evidence: each observed change of a task (status or progress) happened between the poll before
 * and the poll that saw it, a window {@code (p, c]}. Under a tick of period {@code P} and phase
 * {@code φ}, every such window holds a tick {@code φ + kP}. Most polls of a running task, whose
 * progress moves at every tick, that see no change show the opposite: no tick in their window. The
 * learner looks for the longest period (from {@link #MAX_PERIOD_MS} down to {@link #MIN_PERIOD_MS}) at
 * which one phase lies in at least {@link #AGREEMENT} of the recent change windows at most two thirds of
 * the period wide and outside all but a twentieth of the unchanged ones (progress can stall); a smaller
 * period that divides the tick agrees as well, a longer one does not. A window fits a random phase by
 * chance as often as it is wide (a change window) or narrow (an unchanged one) against the period, so
 * the fitting windows must also add up to {@link #MIN_EVIDENCE_BITS} of evidence: a dozen narrow change
 * windows settle a tick, many more are needed where polls are sparse. So a tick is learnt only where
 * enough polls come well within it, which is also the only case where knowing it saves requests. An
 * upstream whose tasks change at any moment agrees with no period, and nothing changes for it. The
 * windows kept are the last {@link #WINDOWS} of each kind, so a tick that stops holding is dropped as
 * soon as more than a twentieth of them disagree.
 *
 * <p>Polls aligned with the tick only ever see whole tick intervals, which cannot tell a period that has
 * stopped being right; but the cadence spreads every poll that cannot end a task over the first half of
 * an interval, and polls of a running task that see it unchanged across a tick contradict a period that
 * no longer holds, so the evidence stays current without polls spent on it alone.
 */
final class RefreshLearner {

    static final long MIN_PERIOD_MS = 3_000;
    static final long MAX_PERIOD_MS = 60_000;
    static final long STEP_MS = 250;
    static final int WINDOWS = 1024;
    /** A period is judged only on evidence spanning this many of its cycles: a few ticks fit many grids. */
    static final int CYCLES_SPANNED = 2;
    /** Windows this close to the one before count once: tasks polled together see the same change. */
    static final long SAME_WINDOW_MS = 100;
    static final int MIN_WINDOWS = 12;
    static final double AGREEMENT = 0.95;
    /**
     * Evidence a tick needs, in bits: the (period, phase) pairs tried number some 2^16, so that chance
     * agreement with any of them stays near 2^-8.
     */
    static final double MIN_EVIDENCE_BITS = 24;
    /** Polls go this long after the learned tick: a gateway's sync loop takes a moment to go through its tasks. */
    static final long MARGIN_MS = 1_000;
    static final long RECOMPUTE_EVERY_MS = 5_000;
    /** How far ahead of ours the upstream's clock may run: its startTime and finishTime narrow windows by no more. */
    static final long CLOCK_SKEW_MS = 1_000;
    static final int REFINE_STEPS = 4;

    private final boolean enabled;
    private final Executor learning;
    /** Windows in which a task was seen to change: each holds a tick. */
    private final Windows changed = new Windows();
    /** Windows in which a running task was seen not to change: none should hold a tick. */
    private final Windows unchanged = new Windows();
    private long recomputedAtMillis = Long.MIN_VALUE / 2;
    private boolean dirty;
    private final AtomicBoolean searching = new AtomicBoolean();
    /** The tick the last search found, or null. */
    private volatile Tick learnt;

    /**
     * @param enabled false ({@code MJ_API_REFRESH=off}) learns nothing and leaves every poll where the cadence put it
     * @param learning where the search for a tick runs (one search at a time per learner)
     */
    RefreshLearner(boolean enabled, Executor learning) {
        this.enabled = enabled;
        this.learning = learning;
    }

    /** A change was seen by the poll sent at {@code seenAtMillis}; the poll before it was sent at {@code previousPollMillis}. */
    void changeSeen(long previousPollMillis, long seenAtMillis) {
        if (enabled && changed.add(previousPollMillis, seenAtMillis)) {
            dirty = true;
        }
    }

    /**
     * A task that changes at every tick (a running one whose progress moves) was seen unchanged by the
     * poll sent at {@code seenAtMillis}; the poll before it was sent at {@code previousPollMillis}.
     */
    void unchangedSeen(long previousPollMillis, long seenAtMillis) {
        if (enabled && unchanged.add(previousPollMillis, seenAtMillis)) {
            dirty = true;
        }
    }

    /** The learned period in milliseconds, or 0 where the upstream shows none. */
    long periodMillis(long nowMillis) {
        Tick tick = tick(nowMillis);
        return tick == null ? 0 : tick.periodMillis();
    }

    /** The learned tick, or null where the upstream shows none. */
    Tick tick(long nowMillis) {
        refresh(nowMillis);
        return learnt;
    }

    /** A sync tick: the gateway refreshes its copies at {@code phase + k * period}. */
    record Tick(long periodMillis, long phaseMillis) {

        /** The last tick at or before {@code millis}: the moment a poll then shows the task as of. */
        long atOrBefore(long millis) {
            return millis - Math.floorMod(millis - phaseMillis, periodMillis);
        }

        /** When to poll to see a task as of the first tick at or after {@code millis}: just after that tick. */
        long pollSeeing(long millis) {
            return atOrBefore(millis - 1) + periodMillis + MARGIN_MS;
        }
    }

    private void refresh(long nowMillis) {
        if (!dirty || nowMillis - recomputedAtMillis < RECOMPUTE_EVERY_MS || !searching.compareAndSet(false, true)) {
            return;
        }
        recomputedAtMillis = nowMillis;
        dirty = false;
        Windows changedNow = changed.copy();
        Windows unchangedNow = unchanged.copy();
        learning.execute(() -> {
            try {
                learnt = search(changedNow, unchangedNow);
            } finally {
                searching.set(false);
            }
        });
    }

    /** The longest period that the windows agree on, refined to the best fitting one nearby; null where none. */
    private static Tick search(Windows changed, Windows unchanged) {
        for (long period = MAX_PERIOD_MS; period >= MIN_PERIOD_MS; period -= STEP_MS) {
            Agreement found = agreement(period, changed, unchanged);
            if (found != null) {
                // Periods a step or two off the tick still fit evidence a few cycles long; the tick itself fits best.
                for (long nearby = period - STEP_MS; nearby >= Math.max(MIN_PERIOD_MS, period - REFINE_STEPS * STEP_MS); nearby -= STEP_MS) {
                    Agreement better = agreement(nearby, changed, unchanged);
                    if (better != null && better.share() > found.share()) {
                        found = better;
                    }
                }
                return new Tick(found.period(), found.phase());
            }
        }
        return null;
    }

    private record Agreement(long period, long phase, double share) {}

    /** Sweep events: where, at one point, an arc opens or closes; openings of agreeing arcs sort first. */
    private static final int OPENS_CHANGED = 0;
    private static final int CLOSES_UNCHANGED = 1;
    private static final int OPENS_UNCHANGED = 2;
    private static final int CLOSES_CHANGED = 3;

    /**
     * The phase that most change windows up to two thirds of {@code period} wide agree on and fewest
     * unchanged windows rule out, or null where too few agree, too many rule it out or the evidence is thin.
     */
    private static Agreement agreement(long period, Windows changed, Windows unchanged) {
        // Each window (p, c] covers the phases (p mod P, p mod P + width]; a sweep finds the best covered one.
        long[] events = new long[2 * (changed.count + unchanged.count)];
        int size = 0;
        int agreeable = 0;
        long earliest = Long.MAX_VALUE;
        long latest = Long.MIN_VALUE;
        for (int i = 0; i < changed.count; i++) {
            long width = changed.width(i);
            if (width > period * 2 / 3) {
                continue;
            }
            agreeable++;
            earliest = Math.min(earliest, changed.starts[i]);
            latest = Math.max(latest, changed.ends[i]);
            long from = Math.floorMod(changed.starts[i], period);
            events[size++] = from * 4 + OPENS_CHANGED;
            events[size++] = (from + width) * 4 + CLOSES_CHANGED;
        }
        // An unchanged window as long as the period would hold a tick at any phase: it rules out every one.
        int againstAll = 0;
        for (int i = 0; i < unchanged.count; i++) {
            long width = unchanged.width(i);
            earliest = Math.min(earliest, unchanged.starts[i]);
            latest = Math.max(latest, unchanged.ends[i]);
            if (width >= period) {
                againstAll++;
                continue;
            }
            long from = Math.floorMod(unchanged.starts[i], period);
            events[size++] = from * 4 + OPENS_UNCHANGED;
            events[size++] = (from + width) * 4 + CLOSES_UNCHANGED;
        }
        if (agreeable < MIN_WINDOWS || latest - earliest < CYCLES_SPANNED * period) {
            return null;
        }
        // Wrapping arcs are handled by sweeping two turns: an arc past the end reappears at the start.
        long[] sweep = new long[2 * size];
        for (int i = 0; i < size; i++) {
            sweep[i] = events[i];
            sweep[size + i] = events[i] + 4 * period;
        }
        Arrays.sort(sweep);
        int agreeing = 0;
        int against = 0;
        int best = Integer.MIN_VALUE;
        int bestIndex = -1;
        int bestAgreeing = 0;
        int bestAgainst = 0;
        for (int i = 0; i < sweep.length; i++) {
            switch ((int) (sweep[i] & 3)) {
                case OPENS_CHANGED -> agreeing++;
                case CLOSES_CHANGED -> agreeing--;
                case OPENS_UNCHANGED -> against++;
                default -> against--;
            }
            if (agreeing - against > best) {
                best = agreeing - against;
                bestIndex = i;
                bestAgreeing = agreeing;
                bestAgainst = against;
            }
        }
        // Unchanged windows are looser evidence than changes (a task's progress can stall), so a few may disagree.
        if (bestAgreeing < AGREEMENT * agreeable || bestAgainst + againstAll > (1 - AGREEMENT) * unchanged.count) {
            return null;
        }
        // The tick lies where the best-covered stretch ends: no later than the first agreeing window ends.
        long phase = Math.floorMod(sweep[bestIndex + 1] / 4, period);
        return evidenceBits(period, phase, changed, unchanged) < MIN_EVIDENCE_BITS ? null : new Agreement(period, phase, (double) bestAgreeing / agreeable);
    }

    /**
     * How unlikely it is that the windows fit {@code phase} by chance: a change window a fraction {@code f}
     * of the period wide holds a random phase with probability {@code f}, an unchanged one misses it with
     * probability {@code 1 - f}, and each fit weighs {@code -log2} of its probability. A few narrow change
     * windows or wide unchanged ones say as much as many others.
     */
    private static double evidenceBits(long period, long phase, Windows changed, Windows unchanged) {
        double bits = 0;
        for (int i = 0; i < changed.count; i++) {
            long width = changed.width(i);
            if (width <= period * 2 / 3 && Math.floorMod(phase - changed.starts[i], period) <= width) {
                bits += log2((double) period / Math.max(width, STEP_MS));
            }
        }
        for (int i = 0; i < unchanged.count; i++) {
            long width = unchanged.width(i);
            if (width < period && Math.floorMod(phase - unchanged.starts[i], period) > width) {
                bits += log2((double) period / Math.max(period - width, STEP_MS));
            }
        }
        return bits;
    }

    private static double log2(double value) {
        return Math.log(value) / Math.log(2);
    }

    /** The last {@link #WINDOWS} windows of one kind, the oldest overwritten first. */
    private static final class Windows {

        private final long[] starts = new long[WINDOWS];
        private final long[] ends = new long[WINDOWS];
        private int count;
        private int next;
        private long lastStart = -1;
        private long lastEnd = -1;

        /** Keeps the window {@code (start, end]}; false where it is no evidence or the one just kept again. */
        boolean add(long start, long end) {
            if (start < 0 || end <= start || end - start > MAX_PERIOD_MS) {
                return false;
            }
            // Tasks polled together (a batch, or tasks taken in together) report one window many times over.
            if (Math.abs(start - lastStart) < SAME_WINDOW_MS && Math.abs(end - lastEnd) < SAME_WINDOW_MS) {
                return false;
            }
            lastStart = start;
            lastEnd = end;
            starts[next] = start;
            ends[next] = end;
            next = (next + 1) % WINDOWS;
            count = Math.min(count + 1, WINDOWS);
            return true;
        }

        long width(int i) {
            return ends[i] - starts[i];
        }

        /** The windows kept now, for a search on another thread. */
        Windows copy() {
            Windows copy = new Windows();
            System.arraycopy(starts, 0, copy.starts, 0, count);
            System.arraycopy(ends, 0, copy.ends, 0, count);
            copy.count = count;
            return copy;
        }
    }
}
