package io.mjtracker.worker.tracking;

import io.mjtracker.common.task.TaskStatus;
import io.mjtracker.common.task.TrackingPhase;
import io.mjtracker.worker.hooks.Hint;
import io.mjtracker.worker.metrics.HookMetrics;
import java.util.Objects;

/**
 * What a hint does to the task it names: it makes the task's next poll due now, and nothing else. It never
 * ends a task or becomes a status update (a forged, stale or reordered hook must not forge an outcome);
 * the poll it brings forward is sent within the budget like any other, packed into a batch where the
 * upstream batches. At most one poll per {@link #repollMillis} per task comes from hints, except the first
 * hint of an end, which is what the lag depends on.
 *
 * <p>A hint of an end always brings the poll forward, at the head of the queue. Any other hint (a start,
 * a progress step) does only while the lane's budget keeps up (no poll is overdue) and its hooks are not
 * trusted: when requests are short, the cadence's own polls (those that may see an end) must not wait
 * behind progress; while hooks are trusted ({@link HookTrust}), the rest of a task's changes are polled at
 * the safety gap, so that a task costs about a poll at intake and one at its end. Tracker thread only.
 */
final class Hints {

    /** The longest hints of a task whose ends polls refuted again and again wait before bringing a poll forward. */
    static final long MAX_BACKOFF_MILLIS = 60_000;

    private final HookMetrics metrics;
    private final long repollMillis;

    /** @param repollMillis the least time between two polls that hints of one task bring forward */
    Hints(HookMetrics metrics, long repollMillis) {
        this.metrics = metrics;
        this.repollMillis = repollMillis;
    }

    /** Acts on a hint; {@code lane} is null where no lane has the hint's profile. */
    void apply(Hint hint, Lane lane, long now) {
        TrackedTask task = lane == null ? null : lane.tasks.get(hint.taskId());
        if (task == null) {
            metrics.hint(hint.upstream(), HookMetrics.UNTRACKED);
            return;
        }
        HintState state = task.hints == null ? (task.hints = new HintState()) : task.hints;
        state.lastAtMillis = now;
        if (Objects.equals(hint.status(), task.lastStatus) && Objects.equals(hint.progress(), task.lastProgress)) {
            metrics.hint(hint.upstream(), HookMetrics.KNOWN);
            return;
        }
        TrackingPhase phase = new TaskStatus(hint.status()).phase();
        boolean end = phase == TrackingPhase.FINISHED || phase == TrackingPhase.NEEDS_USER;
        if (!end && (lane.hooks.trusted() || lane.dispatcher.overdue() > 0)) {
            metrics.hint(hint.upstream(), HookMetrics.SKIPPED);
            return;
        }
        state.pendingSinceMillis = now;
        state.end |= end;
        // Only the first hint of an end jumps the queue: a later one follows a poll that showed the task unfinished.
        boolean firstEnd = end && !state.endPolled;
        long due = firstEnd ? now : Math.max(now, state.pollAllowedAtMillis);
        if (task.outstanding || !task.queued) {
            // In flight: its answer is checked against the hint's time (a poll follows where the hint came later).
            metrics.hint(hint.upstream(), HookMetrics.DUE);
            return;
        }
        Urgency urgency = firstEnd ? Urgency.FINISHING : task.urgency;
        if (firstEnd) {
            state.endPolled = true;
        }
        if (!lane.dispatcher.expedite(task, now, due, urgency)) {
            metrics.hint(hint.upstream(), HookMetrics.DUE);
            return;
        }
        state.pollAllowedAtMillis = due + repollMillis;
        metrics.hint(hint.upstream(), HookMetrics.SOONER);
    }

    /**
     * The next poll of a task just answered unfinished, given the one the cadence chose: sooner where a hint
     * came while the answered poll was in flight (the answer may predate what the hint announced). A hint the
     * answer postdates is settled, whether it showed what the hint said or not: a wrong hint buys one poll,
     * no more. An end it refuted doubles the time before hints may bring this task's poll forward again (up
     * to {@link #MAX_BACKOFF_MILLIS}), so forged ends cost a few polls per task, not the budget.
     */
    long nextPoll(TrackedTask task, long now, long cadenceDueAtMillis) {
        HintState state = task.hints;
        if (state == null || state.pendingSinceMillis < 0) {
            return cadenceDueAtMillis;
        }
        if (state.pendingSinceMillis <= task.lastPolledAtMillis) {
            if (state.end) {
                state.refutedEnds = (byte) Math.min(state.refutedEnds + 1, 16);
                state.pollAllowedAtMillis = now + Math.min(repollMillis << state.refutedEnds, MAX_BACKOFF_MILLIS);
            }
            state.pendingSinceMillis = -1;
            state.end = false;
            return cadenceDueAtMillis;
        }
        long due = Math.max(now, state.pollAllowedAtMillis);
        state.pollAllowedAtMillis = due + repollMillis;
        return Math.min(cadenceDueAtMillis, due);
    }
}
