package io.mjtracker.worker.tracking;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.StatusUpdate;
import io.mjtracker.common.record.TrackingFacts;
import io.mjtracker.common.task.Task;
import io.mjtracker.common.task.TaskStatus;
import io.mjtracker.common.task.TrackingPhase;
import io.mjtracker.worker.config.TrackingSettings;
import io.mjtracker.worker.metrics.TrackerMetrics;
import io.mjtracker.worker.upstream.FetchResult;
import io.mjtracker.worker.upstream.UpstreamGuard;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one answer about a task means for it: a status update where it changed, its next poll (the
 * cadence, the learnt sync tick, retries), or its end and the result of each of its requests. The
 * tracker's other half: {@link Tracker} decides when to ask and routes the answers here. Tracker thread only.
 */
final class TaskAnswers {

    private static final Logger LOG = LoggerFactory.getLogger(TaskAnswers.class);
    /** Not-found answers in a row, one at a time, before a task that is past its grace ends as NOT_FOUND. */
    private static final int NOT_FOUND_CONFIRMATIONS = 2;

    private final TrackingSettings settings;
    private final PollCadence cadence;
    private final StatusSink statusSink;
    private final TrackerMetrics metrics;
    /** Only for the timestamps users read (observedAt, detectedAt). */
    private final Clock wall;
    private final Queue<Completion> completions;
    private final Hints hints;
    private final PackedJson packed = new PackedJson();
    private final Map<String, String> canonicalValues = new HashMap<>();

    /** @param completions where the results of ended tasks go, for intake to publish */
    TaskAnswers(TrackingSettings settings, PollCadence cadence, StatusSink statusSink, TrackerMetrics metrics, Clock wall,
            Queue<Completion> completions, Hints hints) {
        this.hints = hints;
        this.settings = settings;
        this.cadence = cadence;
        this.statusSink = statusSink;
        this.metrics = metrics;
        this.wall = wall;
        this.completions = completions;
    }

    /** Whether the task has been tracked for its TIMED_OUT limit (time its upstream could not be asked not counted). */
    boolean pastLimit(TrackedTask task, long now) {
        return task.trackedMillis(now, task.lane.guard.unavailability().millis()) >= settings.maxTrackDuration().toMillis();
    }

    /** Ends the task as TIMED_OUT with what its last poll saw. */
    void timedOut(TrackedTask task, long now) {
        timedOut(task, now, packed.unpack(task.lastTaskPacked));
    }

    private void timedOut(TrackedTask task, long now, String taskJson) {
        end(task, Outcome.TIMED_OUT, "not finished " + settings.maxTrackDuration()
                + " after the request (not counting time the upstream was unreachable, refused the key or answered 429)", now, taskJson);
    }

    /**
     * What one answer about a task means for it.
     *
     * @param wholeRequestFailed the answer is a batch's failure, not this task's: it never counts as the
     *     task's own unreadable answer
     */
    void apply(TrackedTask task, FetchResult result, boolean taskSpecificRefusal, boolean wholeRequestFailed, long now) {
        task.polls++;
        try {
            switch (result) {
                case FetchResult.Found found -> onFound(task, found.task(), now);
                case FetchResult.NotFound notFound -> onNotFound(task, notFound.message(), now);
                case FetchResult.Unauthorized unauthorized when taskSpecificRefusal -> onTransientFailure(task,
                        new FetchResult.Malformed("the upstream refuses this task (" + unauthorized.message() + ")"), true, now);
                case FetchResult.Unauthorized unauthorized -> reschedule(task, now, now + cadence.afterQueued(), task.urgency);
                case FetchResult.Misconfigured misconfigured -> reschedule(task, now, now + cadence.afterQueued(), task.urgency);
                default -> onTransientFailure(task, result, !wholeRequestFailed, now);
            }
        } catch (RuntimeException e) {
            metrics.trackerError();
            LOG.atError().addKeyValue("task_id", task.id).addKeyValue("upstream", task.lane.name).setCause(e)
                    .log("error handling the answer for task {}; it is polled again later", task.id);
            reschedule(task, now, now + cadence.afterQueued(), Urgency.RUNNING);
        }
    }

    private void onFound(TrackedTask task, Task fetched, long now) {
        finishRetry(task);
        boolean previousPollSawIt = task.previousPolledAtMillis >= 0 && task.lastFoundAtMillis >= task.previousPolledAtMillis;
        task.malformedStreak = 0;
        task.notFoundStreak = 0;
        task.lastFoundAtMillis = now;
        task.lastFinishTime = fetched.finishTime();
        String statusBefore = task.lastStatus;
        boolean changed = publishIfChanged(task, fetched, now);
        TrackingPhase phase = fetched.status().phase();
        learnFrom(task, fetched, statusBefore, changed, previousPollSawIt);
        if (phase == TrackingPhase.FINISHED || phase == TrackingPhase.NEEDS_USER) {
            if (statusBefore != null) {
                // An end seen of a task seen unfinished before: was it announced? (One taken in finished says nothing of hooks.)
                observed(task, task.hints != null && task.hints.end, now);
            }
            end(task, Outcome.of(fetched.status()).orElseThrow(), fetched.failReason(), now, fetched.json());
            return;
        }
        String json = fetched.json();
        if (task.pastLimitAtMillis >= 0 && pastLimit(task, now)) {
            // The last poll past the limit shows it unfinished: it ends with what that poll saw.
            timedOut(task, now, json);
            return;
        }
        if (json.length() != task.lastTaskLength || json.hashCode() != task.lastTaskHash) {
            task.lastTaskPacked = packed.pack(json);
            task.lastTaskHash = json.hashCode();
            task.lastTaskLength = json.length();
        }
        if (changed && task.lane.hooks.trusted() && task.previousPolledAtMillis >= 0
                && (task.hints == null ? 0 : task.hints.lastAtMillis) < task.previousPolledAtMillis) {
            // Changed since the poll before, and not one hook of it meanwhile: the hooks have stopped.
            observed(task, false, now);
        }
        if (phase == TrackingPhase.UNKNOWN) {
            metrics.unknownStatus();
            reschedule(task, now, now + cadence.afterUnknownStatus(), Urgency.RUNNING);
        } else {
            scheduleUnfinished(task, fetched, now);
        }
    }

    /**
     * What this answer tells the refresh learner. A change was made visible somewhere between the poll before
     * and this one; where the change is the task starting or ending, the upstream's own startTime or
     * finishTime narrows that: the gateway can have synced it no earlier. That holds on the first poll too,
     * so a task taken in already running tells as much as one seen to start.
     */
    private void learnFrom(TrackedTask task, Task fetched, String statusBefore, boolean changed, boolean previousPollSawIt) {
        RefreshLearner refresh = task.lane.refresh;
        TrackingPhase phase = fetched.status().phase();
        boolean running = started(fetched.status());
        Long since = null;
        if (phase == TrackingPhase.FINISHED && !Objects.equals(fetched.status().raw(), statusBefore)) {
            since = fetched.finishTime();
        } else if (running && !Objects.equals(fetched.status().raw(), statusBefore)
                && (statusBefore == null || !started(new TaskStatus(statusBefore)))) {
            since = fetched.startTime();
        }
        long previous = previousPollSawIt ? task.previousPolledAtMillis : -1;
        if (since != null && since > 0) {
            refresh.changeSeen(Math.max(previous, since - RefreshLearner.CLOCK_SKEW_MS), task.lastPolledAtMillis);
        } else if (previousPollSawIt && changed) {
            refresh.changeSeen(previous, task.lastPolledAtMillis);
        } else if (previousPollSawIt && running && fetched.progress().percent() > 0) {
            // A running task's progress moves at every tick, once it has begun to: so no tick passed unseen.
            refresh.unchangedSeen(previous, task.lastPolledAtMillis);
        }
    }

    private static boolean started(TaskStatus status) {
        return status.phase() == TrackingPhase.RUNNING && !status.isQueued();
    }

    private void scheduleUnfinished(TrackedTask task, Task fetched, long now) {
        int percent = fetched.progress().percent();
        boolean queued = fetched.status().isQueued();
        PollCadence.Next next = cadence.next(queued, percent, fetched.startTime(), now, task.lastPercent, task.lastPercentAtMillis,
                task.lane.refresh.tick(now), task.lane.idsPerRequest() == 1);
        Urgency urgency = queued ? Urgency.WAITING : next.finishing() ? Urgency.FINISHING : Urgency.RUNNING;
        task.mayHaveFinishedAtMillis = next.mayHaveFinishedAtMillis();
        if (percent != task.lastPercent) {
            task.lastPercent = percent;
            task.lastPercentAtMillis = now;
        }
        HookTrust hooks = task.lane.hooks;
        long due = now + (hooks.trusted() ? cadence.withinGap(hooks.safetyGapMillis()) : next.delayMillis());
        reschedule(task, now, hints.nextPoll(task, now, due), urgency);
    }

    /** What polls saw of the hooks: an end, or a change while trusted, announced or not ({@link HookTrust}). */
    private void observed(TrackedTask task, boolean announced, long now) {
        Lane lane = task.lane;
        boolean wasTrusted = lane.hooks.trusted();
        lane.hooks.observed(announced);
        if (wasTrusted && !lane.hooks.trusted()) {
            backToTheCadence(lane, now);
        } else if (!wasTrusted && lane.hooks.trusted()) {
            LOG.atInfo().addKeyValue("upstream", lane.name).log("upstream '{}': its hooks announce the ends of its tasks; "
                    + "they are polled at the safety gap plus on hooks from now on", lane.name);
        }
    }

    /**
     * The lane's hooks stopped announcing ends: every task waiting for the safety gap is polled again soon
     * (spread like a first poll), and from that answer on follows the cadence, rather than waiting out a
     * gap planned while the hooks were trusted.
     */
    private void backToTheCadence(Lane lane, long now) {
        int moved = 0;
        for (TrackedTask waiting : lane.tasks.values()) {
            if (waiting.queued && !waiting.outstanding && waiting.dueAtMillis > now + cadence.hintRepoll()) {
                lane.dispatcher.schedule(waiting, now, now + cadence.firstPollDelay(), waiting.urgency);
                moved++;
            }
        }
        LOG.atWarn().addKeyValue("upstream", lane.name).log("upstream '{}': its hooks no longer announce the ends of its tasks "
                + "(share {}); {} tasks go back to the cadence", lane.name, lane.hooks.share(), moved);
    }

    /** Publishes a status update where status or progress changed since the last poll; returns whether they did. */
    private boolean publishIfChanged(TrackedTask task, Task fetched, long now) {
        String status = fetched.status().raw();
        String progress = fetched.progress().raw();
        if (Objects.equals(status, task.lastStatus) && Objects.equals(progress, task.lastProgress)) {
            return false;
        }
        task.lastStatus = canonical(status);
        task.lastProgress = canonical(progress);
        for (TaskRequest request : task.requests()) {
            statusSink.publish(request, StatusUpdate.of(task.id, task.lane.name, fetched, wall.millis(), task.polls, request.source(), request.metadata()));
            metrics.statusPublished();
        }
        return true;
    }

    /**
     * One shared instance per distinct short value ("IN_PROGRESS", "58%"): hundreds of thousands of
     * tasks then hold references, not copies. Bounded, so odd values cannot grow it without limit.
     */
    private String canonical(String value) {
        if (value == null || value.length() > 32) {
            return value;
        }
        String known = canonicalValues.get(value);
        if (known != null) {
            return known;
        }
        if (canonicalValues.size() < 1024) {
            canonicalValues.put(value, value);
        }
        return value;
    }

    private void onNotFound(TrackedTask task, String message, long now) {
        finishRetry(task);
        task.notFoundStreak++;
        // The grace counts from the request (or from the last time the task was seen), so restarts and
        // handovers do not restart it; a whole-upstream not-found (an incident, not an answer) ends nothing.
        long invisibleSince = Math.max(task.limitFromMillis(), task.lastFoundAtMillis);
        if (task.notFoundStreak >= NOT_FOUND_CONFIRMATIONS && task.lane.guard.notFoundTrusted()
                && now - invisibleSince >= settings.notFoundGrace().toMillis()) {
            end(task, Outcome.NOT_FOUND, message, now);
        } else {
            reschedule(task, now, now + cadence.afterNotFound(task.notFoundStreak), Urgency.WAITING);
        }
    }

    private void onTransientFailure(TrackedTask task, FetchResult failure, boolean ownAnswer, long now) {
        if (ownAnswer && failure instanceof FetchResult.Malformed malformed
                && ++task.malformedStreak >= settings.maxMalformedPolls()) {
            end(task, Outcome.FAILED, "upstream answered " + task.malformedStreak
                    + " times with something that is not a task; last: " + malformed.message(), now);
            return;
        }
        if (task.retry == null) {
            task.retry = task.lane.guard.newRetryContext();
        }
        long delay = task.retry.onError(UpstreamGuard.failureOf(failure));
        if (delay < 0) {
            // Retries are spent; the task is not failed for an outage, it goes back to its normal pace.
            task.retry = null;
            delay = cadence.afterQueued();
        }
        reschedule(task, now, now + delay, Urgency.RUNNING);
    }

    private void finishRetry(TrackedTask task) {
        if (task.retry != null) {
            task.retry.onComplete();
            task.retry = null;
        }
    }

    /** Plans the task's next poll, unless it has ended. */
    void reschedule(TrackedTask task, long now, long dueAtMillis, Urgency urgency) {
        if (!task.ended) {
            task.lane.dispatcher.schedule(task, now, dueAtMillis, urgency);
        }
    }

    private void end(TrackedTask task, Outcome outcome, String reason, long now) {
        end(task, outcome, reason, now, packed.unpack(task.lastTaskPacked));
    }

    private void end(TrackedTask task, Outcome outcome, String reason, long now, String taskJson) {
        task.ended = true;
        Lane lane = task.lane;
        lane.dispatcher.forget(task);
        lane.tasks.remove(task.id);
        Long finishedUpstream = task.lastFinishTime;
        TrackingFacts facts = new TrackingFacts(task.requestedAtMillis, finishedUpstream, wall.millis(), task.polls);
        for (TaskRequest request : task.requests()) {
            completions.add(new Completion(request, FinalResult.of(
                    task.id, lane.name, outcome, reason, taskJson, facts, request.source(), request.metadata())));
        }
        metrics.finished(lane.name, outcome, now - task.requestedAtMillis);
    }
}
