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
 * hint of an end, which is what the lag depends on. While the profile's hooks are trusted ({@link
 * HookTrust}) only hints of an end or of a status change bring a poll forward: progress is then polled at
 * the safety gap, so that a task costs about a poll at intake and one at its end. Tracker thread only.
 */
final class Hints {

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
        if (Objects.equals(hint.status(), task.lastStatus) && Objects.equals(hint.progress(), task.lastProgress)) {
            metrics.hint(hint.upstream(), HookMetrics.KNOWN);
            return;
        }
        TrackingPhase phase = new TaskStatus(hint.status()).phase();
        boolean end = phase == TrackingPhase.FINISHED || phase == TrackingPhase.NEEDS_USER;
        if (lane.hooks.trusted() && Objects.equals(hint.status(), task.lastStatus)) {
            metrics.hint(hint.upstream(), HookMetrics.PROGRESS);
            return;
        }
        task.hintedAtMillis = now;
        task.hintPending = true;
        task.hintedEnd |= end;
        long due = end && !task.endHintPolled ? now : Math.max(now, task.hintPollAllowedAtMillis);
        if (task.outstanding || !task.queued || task.dueAtMillis <= due) {
            // In flight: its answer is checked against the hint's time (Tracker polls again where the hint came later).
            metrics.hint(hint.upstream(), HookMetrics.DUE);
            return;
        }
        Urgency urgency = end ? Urgency.FINISHING : task.urgency == Urgency.WAITING ? Urgency.RUNNING : task.urgency;
        if (end) {
            task.endHintPolled = true;
            task.mayHaveFinishedAtMillis = now;
        }
        task.hintPollAllowedAtMillis = due + repollMillis;
        lane.dispatcher.schedule(task, now, due, urgency);
        metrics.hint(hint.upstream(), HookMetrics.SOONER);
    }

    /**
     * The next poll of a task just answered, given the one the cadence chose: sooner where a hint came while
     * the answered poll was in flight (the answer may predate what the hint announced). A hint the answer
     * postdates is settled, whether it showed what the hint said or not: a wrong hint buys one poll, no more.
     */
    long nextPoll(TrackedTask task, long now, long cadenceDueAtMillis) {
        if (!task.hintPending) {
            return cadenceDueAtMillis;
        }
        if (task.hintedAtMillis <= task.lastPolledAtMillis) {
            task.hintPending = false;
            task.hintedEnd = false;
            return cadenceDueAtMillis;
        }
        long due = Math.max(now, task.hintPollAllowedAtMillis);
        task.hintPollAllowedAtMillis = due + repollMillis;
        return Math.min(cadenceDueAtMillis, due);
    }
}
