package io.mjtracker.worker.tracking;

import java.util.random.RandomGenerator;

/**
 * When to poll a task next, from what was last seen of it. Pure: the caller passes the time.
 *
 * <p>The aim is a short detection lag without more requests than the providers' own "poll every 20 s"
 * loop. A queued task is polled sparsely: when it starts matters little. A running task is polled
 * where it is predicted to finish: progress observed against the upstream's {@code startTime} (or
 * against the previous observation) gives a rate and an ETA, and the next poll goes just after it;
 * close to 100% polls come quickly. Every delay gets ±10% jitter so tasks taken in together do not
 * stay in lock-step.
 */
public final class PollCadence {

    /** First poll after intake: soon, spread a little so a burst of intake does not become a burst of requests. */
    static final long FIRST_POLL_SPREAD_MS = 250;
    static final long QUEUED_MS = 25_000;
    static final long RUNNING_WITHOUT_RATE_MS = 8_000;
    static final long UNKNOWN_STATUS_MS = 15_000;
    static final long NOT_FOUND_MIN_MS = 2_000;
    static final long NOT_FOUND_MAX_MS = 15_000;
    static final long MIN_MS = 1_000;
    /** Longest wait while running, even where the predicted finish is further away: predictions drift. */
    static final long MAX_MS = 20_000;
    /** Poll this long after the predicted finish, so that one poll usually sees the result. */
    static final long ETA_MARGIN_MS = 500;
    /** How much shorter than predicted the rest of a run may turn out: progress reported in steps reads low. */
    static final double ETA_DOUBT = 0.25;
    /** How far a progress reading may lag the truth, in percent: upstreams report progress in steps. */
    static final int PROGRESS_STEP = 5;
    /** A queued task is looked at every this many sync ticks: a run shorter than that many less one could end unseen. */
    static final int QUEUED_TICKS = 2;
    /** Furthest a running task's next poll goes, in sync ticks, however far its predicted finish: predictions drift. */
    static final int MAX_TICKS_AHEAD = 3;

    private final RandomGenerator random;
    private final double scale;

    public PollCadence(RandomGenerator random) {
        this(random, 1.0);
    }

    /** @param scale multiplies every interval: below 1 for simulated tasks that last seconds, not minutes */
    public PollCadence(RandomGenerator random, double scale) {
        this.random = random;
        this.scale = scale;
    }

    /** Delay before the first poll of a newly taken task. */
    public long firstPollDelay() {
        return random.nextLong(scaled(FIRST_POLL_SPREAD_MS) + 1);
    }

    /** Delay after a poll that found nothing, the {@code streak}-th in a row (1-based). */
    public long afterNotFound(int streak) {
        long delay = NOT_FOUND_MIN_MS << Math.min(Math.max(streak - 1, 0), 4);
        return jitter(scaled(Math.min(delay, NOT_FOUND_MAX_MS)));
    }

    /** Delay after a poll that saw a status nobody knows; it keeps being polled, slowly. */
    public long afterUnknownStatus() {
        return jitter(scaled(UNKNOWN_STATUS_MS));
    }

    /** Delay after a poll that saw the task queued (empty, NOT_START, SUBMITTED). */
    public long afterQueued() {
        return jitter(scaled(QUEUED_MS));
    }

    /**
     * Delay after a poll that saw the task queued or running: the one decision the tracker (and the
     * polling-efficiency benchmark) asks for.
     *
     * @param queued the status says not started (empty, NOT_START, SUBMITTED)
     * @param percent progress now, or -1 where unknown
     * @param upstreamStartTime the task's startTime (epoch ms), or null
     * @param previousPercent progress at the previous change seen, or -1
     * @param previousPercentAtMillis when that was seen, or -1
     */
    public long afterUnfinished(boolean queued, int percent, Long upstreamStartTime, long nowMillis,
            int previousPercent, long previousPercentAtMillis) {
        return next(queued, percent, upstreamStartTime, nowMillis, previousPercent, previousPercentAtMillis, null, true).delayMillis();
    }

    /**
     * The next poll of a task seen unfinished.
     *
     * @param delayMillis when to poll it next
     * @param mayHaveFinishedAtMillis where this poll may be the one that sees it finished, the earliest the
     *     task may have finished, else -1: among finishing polls, the earliest goes first, its lag being the longest
     */
    public record Next(long delayMillis, long mayHaveFinishedAtMillis) {

        static Next notFinishing(long delayMillis) {
            return new Next(delayMillis, -1);
        }

        /** Whether this poll may see the task finished: the polls worth sending first when the budget cannot send them all. */
        public boolean finishing() {
            return mayHaveFinishedAtMillis >= 0;
        }
    }

    /**
     * {@link #afterUnfinished}, with whether the task is predicted to be finishing (arguments as there),
     * against a gateway that shows tasks as of its last sync {@code tick} (null: none known).
     * A poll then only ever sees whole ticks, and ticks at which nothing worth seeing can have happened are
     * skipped: a queued task is looked at every {@link #QUEUED_TICKS} ticks, a running one first at the tick
     * by which it may at the earliest have finished (its progress read as up to {@link #PROGRESS_STEP} low)
     * and at every tick once that is past. A prediction far off is not trusted further than
     * {@link #MAX_TICKS_AHEAD} ticks. Polls that may end a task go just after the tick; the others anywhere
     * in the first half of the interval, which shows the same, where each poll is a request of its own
     * ({@code onePerRequest}; batched, they go together).
     */
    Next next(boolean queued, int percent, Long upstreamStartTime, long nowMillis,
            int previousPercent, long previousPercentAtMillis, RefreshLearner.Tick tick, boolean onePerRequest) {
        if (tick == null) {
            return untimed(queued, percent, upstreamStartTime, nowMillis, previousPercent, previousPercentAtMillis);
        }
        if (queued) {
            return Next.notFinishing(spread(tick, tick.pollSeeing(tick.atOrBefore(nowMillis) + QUEUED_TICKS * tick.periodMillis()), onePerRequest) - nowMillis);
        }
        // The answer shows the task as of the last tick: progress is measured to then, not to now.
        long shown = tick.atOrBefore(nowMillis);
        long nextTick = shown + tick.periodMillis();
        long earliestFinish = earliestFinish(percent, upstreamStartTime, shown, previousPercent, previousPercentAtMillis);
        if (earliestFinish < 0) {
            // Nothing tells how far it is: it may end by the next tick.
            return Next.notFinishing(tick.pollSeeing(nextTick) - nowMillis);
        }
        long look = Math.clamp(earliestFinish, nextTick, shown + MAX_TICKS_AHEAD * tick.periodMillis());
        long poll = tick.pollSeeing(look);
        // Every poll from the earliest possible finish on may be the one that ends the task.
        if (earliestFinish <= tick.atOrBefore(poll)) {
            return new Next(poll - nowMillis, earliestFinish);
        }
        return Next.notFinishing(spread(tick, poll, onePerRequest) - nowMillis);
    }

    /**
     * A poll that cannot end the task sees the same tick anywhere before the next one: spread over the
     * first half of the interval, such polls leave the moments just after the tick to the ones that may.
     * Not where tasks share requests: there, polls due together go out in one batch.
     */
    private long spread(RefreshLearner.Tick tick, long poll, boolean onePerRequest) {
        return onePerRequest ? poll + random.nextLong(tick.periodMillis() / 2) : poll;
    }

    /**
     * The earliest moment a running task, shown at {@code shown} with {@code percent}, can finish, or -1
     * where nothing tells. Progress comes in steps and reads low by up to one: with the run's start known,
     * a reading of {@code p}% after {@code e} ms bounds the whole run from below by {@code e * 100 / (p + step)}.
     */
    private static long earliestFinish(int percent, Long upstreamStartTime, long shown, int previousPercent, long previousPercentAtMillis) {
        // 0% says little: some upstreams show it for a while after the start, however short the run.
        if (percent <= 0) {
            return -1;
        }
        if (upstreamStartTime != null && upstreamStartTime > 0 && upstreamStartTime < shown) {
            long elapsed = shown - upstreamStartTime;
            return upstreamStartTime + elapsed * 100 / Math.min(100, percent + PROGRESS_STEP);
        }
        long eta = observe(percent, null, shown, previousPercent, previousPercentAtMillis).millisToFinish();
        return eta < 0 ? -1 : shown + Math.round(eta * (1 - ETA_DOUBT));
    }

    private Next untimed(boolean queued, int percent, Long upstreamStartTime, long nowMillis,
            int previousPercent, long previousPercentAtMillis) {
        if (queued) {
            return Next.notFinishing(afterQueued());
        }
        ProgressObservation progress = observe(percent, upstreamStartTime, nowMillis, previousPercent, previousPercentAtMillis);
        long eta = progress.millisToFinish();
        boolean finishing = eta >= 0 && eta + scaled(ETA_MARGIN_MS) < scaled(MAX_MS);
        return finishing ? new Next(afterRunning(progress), nowMillis + eta) : Next.notFinishing(afterRunning(progress));
    }

    private static ProgressObservation observe(int percent, Long upstreamStartTime, long nowMillis,
            int previousPercent, long previousPercentAtMillis) {
        if (percent < 0) {
            return new ProgressObservation(-1, nowMillis, -1, 0);
        }
        if (upstreamStartTime != null && upstreamStartTime > 0 && upstreamStartTime < nowMillis) {
            return new ProgressObservation(percent, nowMillis, upstreamStartTime, 0);
        }
        return new ProgressObservation(percent, nowMillis, previousPercentAtMillis, previousPercent);
    }

    /**
     * Delay after a poll that saw the task running.
     *
     * @param progress what is known of the task's progress
     */
    public long afterRunning(ProgressObservation progress) {
        long eta = progress.millisToFinish();
        if (eta < 0) {
            return jitter(scaled(RUNNING_WITHOUT_RATE_MS));
        }
        // The ETA is a prediction in real time; only the bounds scale.
        long delay = Math.clamp(eta + scaled(ETA_MARGIN_MS), scaled(MIN_MS), scaled(MAX_MS));
        return jitter(delay);
    }

    /**
     * Delay of a poll at a gap that must not be exceeded (hooks' safety gap): up to 10% shorter, never
     * longer, so that tasks taken in together spread out and none waits past the gap.
     */
    public long withinGap(long gapMillis) {
        long spread = gapMillis / 10;
        return gapMillis - (spread == 0 ? 0 : random.nextLong(spread + 1));
    }

    /** The least time between two polls of one task that hints bring forward: a couple of seconds, scaled. */
    public long hintRepoll() {
        return Math.max(100, scaled(2_000));
    }

    private long scaled(long millis) {
        return Math.max(1, Math.round(millis * scale));
    }

    private long jitter(long delay) {
        long spread = delay / 10;
        return spread == 0 ? delay : delay - spread + random.nextLong(2 * spread + 1);
    }
}
