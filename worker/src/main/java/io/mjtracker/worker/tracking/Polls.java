package io.mjtracker.worker.tracking;

import io.mjtracker.worker.metrics.TrackerMetrics;
import io.mjtracker.worker.upstream.BatchResult;
import io.mjtracker.worker.upstream.FetchResult;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the polls the tracker picked (one task, a batch, or a canary) and takes their answers: each request
 * and each task's answer counted once, the answer recorded by the lane's guard and batching, then applied
 * to its tasks through {@link TaskAnswers}. Whatever goes wrong handling an answer, every task it concerned
 * is left waiting in the dispatcher or polled again. Tracker thread only.
 */
final class Polls {

    private static final Logger LOG = LoggerFactory.getLogger(Polls.class);

    private final TrackerMetrics metrics;
    private final TaskAnswers answers;
    private final PollCadence cadence;
    private final Clock clock;

    Polls(TrackerMetrics metrics, TaskAnswers answers, PollCadence cadence, Clock clock) {
        this.metrics = metrics;
        this.answers = answers;
        this.cadence = cadence;
        this.clock = clock;
    }

    private void markSent(TrackedTask task, long now) {
        task.outstanding = true;
        task.polledAt(now);
        metrics.pollLateness(now - task.dueAtMillis);
    }

    void send(TrackedTask task, long now) {
        Lane lane = task.lane;
        lane.outstanding++;
        markSent(task, now);
        metrics.taskPolls(lane.name, 1);
        String kind = lane.guard.probing() ? "probe" : "single";
        lane.requests.fetch(task.id, (answer, latency) -> onAnswer(task, kind, answer, latency));
    }

    /** @param moreWaiting whether due polls stay behind it, waiting for the budget */
    void sendBatch(Lane lane, List<TrackedTask> tasks, boolean moreWaiting, long now) {
        lane.outstanding++;
        List<String> ids = new ArrayList<>(tasks.size());
        for (TrackedTask task : tasks) {
            markSent(task, now);
            ids.add(task.id);
        }
        metrics.taskPolls(lane.name, ids.size());
        metrics.batchFill(lane.name, ids.size(), lane.batches.idsPerRequest());
        String kind = lane.guard.probing() ? "probe" : "batch";
        lane.requests.fetchBatch(ids, (answer, latency) -> onBatchAnswer(lane, tasks, ids, moreWaiting, kind, answer, latency));
    }

    /** Asks for a task known to exist, to tell a task-specific not-found from a whole-upstream one. */
    void sendCanary(Lane lane, String taskId) {
        lane.outstanding++;
        lane.requests.fetch(taskId, (answer, latency) -> {
            lane.requestEnded();
            lane.guard.recordCanary(answer, latency);
            metrics.request(lane.name, "canary", answer.metricTag(), latency);
        });
    }

    private void onAnswer(TrackedTask task, String kind, FetchResult result, long latencyNanos) {
        Lane lane = task.lane;
        lane.requestEnded();
        task.outstanding = false;
        metrics.request(lane.name, kind, result.metricTag(), latencyNanos);
        metrics.taskAnswer(lane.name, result.metricTag());
        try {
            if (retireIfUnwanted(task)) {
                return;
            }
            boolean taskSpecificRefusal = lane.guard.record(task.id, result, latencyNanos);
            if (task.confirmAbsence && (result instanceof FetchResult.Found || result instanceof FetchResult.NotFound)) {
                task.confirmAbsence = false;
                if (result instanceof FetchResult.Found && lane.batches.cappedAt(task.absentFromAnswerOf)) {
                    releaseConfirmations(lane, task.absentFromAnswerOf);
                }
            }
            if (!task.ended) {
                answers.apply(task, result, taskSpecificRefusal, false, clock.millis());
            }
        } catch (RuntimeException e) {
            answerFailed(e);
        } finally {
            keepPlaced(task);
        }
    }

    /** An unexpected error handling an answer: counted and logged; the turn goes on with the next command. */
    private void answerFailed(RuntimeException e) {
        metrics.trackerError();
        LOG.error("error handling an upstream answer; its tasks are polled again later", e);
    }

    /** A task whose every request was dropped while its poll was in flight goes once the answer is in. */
    private boolean retireIfUnwanted(TrackedTask task) {
        if (task.ended || !task.requests().isEmpty()) {
            return false;
        }
        task.ended = true;
        task.lane.dispatcher.forget(task);
        task.lane.tasks.remove(task.id);
        return true;
    }

    /**
     * A live task is always in exactly one place: waiting in the dispatcher, or polled and awaiting its
     * answer. Whatever went wrong handling an answer (a bug, an unexpected value), a task left in neither
     * would never be polled or answered again and hold a slot of the cap for good: it is polled again later.
     */
    private void keepPlaced(TrackedTask task) {
        if (!task.ended && !task.queued && !task.outstanding) {
            LOG.atWarn().addKeyValue("task_id", task.id).addKeyValue("upstream", task.lane.name)
                    .log("task {} was left unscheduled after an answer; it is polled again later", task.id);
            long now = clock.millis();
            answers.reschedule(task, now, now + cadence.afterQueued(), Urgency.RUNNING);
        }
    }

    private void onBatchAnswer(Lane lane, List<TrackedTask> tasks, List<String> ids, boolean moreWaiting, String kind,
            BatchResult result, long latencyNanos) {
        lane.requestEnded();
        metrics.request(lane.name, kind, result.metricTag(), latencyNanos);
        for (TrackedTask task : tasks) {
            task.outstanding = false;
        }
        try {
            for (TrackedTask task : tasks) {
                metrics.taskAnswer(lane.name, answerTag(result, task.id));
            }
            lane.guard.recordBatch(result, latencyNanos);
            FetchResult required = lane.batches.answered(result, ids, moreWaiting);
            if (required != null) {
                lane.guard.record(null, required, latencyNanos);
            }
            applyBatch(lane, tasks, result);
        } catch (RuntimeException e) {
            answerFailed(e);
        } finally {
            tasks.forEach(this::keepPlaced);
        }
    }

    /** What a batch answered for one of its tasks, as {@link io.mjtracker.worker.metrics.TrackerMetrics#ANSWER_RESULTS} names it. */
    private static String answerTag(BatchResult result, String taskId) {
        return switch (result) {
            case BatchResult.Answered answered -> {
                FetchResult answer = answered.byId().get(taskId);
                yield answer == null ? "left_out" : answer.metricTag();
            }
            case BatchResult.Unsupported unsupported -> "unsupported";
            case BatchResult.Failed failed -> failed.failure().metricTag();
        };
    }

    private void applyBatch(Lane lane, List<TrackedTask> tasks, BatchResult result) {
        long now = clock.millis();
        for (TrackedTask task : tasks) {
            if (task.ended || retireIfUnwanted(task)) {
                continue;
            }
            switch (result) {
                case BatchResult.Answered answered -> {
                    FetchResult answer = answered.byId().get(task.id);
                    if (answer != null) {
                        answers.apply(task, answer, false, false, now);
                    } else if (lane.batches.explainedByCap(answered, tasks.size())) {
                        answers.reschedule(task, now, now, task.urgency);
                    } else {
                        // Absence proves nothing (a proxy may cap or page its answer): ask for the task alone.
                        task.confirmAbsence = true;
                        // Only an answer of tasks alone can show a cap; one with junk in it shows nothing.
                        task.absentFromAnswerOf = answered.clean() ? answered.elements() : -1;
                        answers.reschedule(task, now, now, task.urgency);
                    }
                }
                // The route is missing: the same tasks go out again at once, as single fetches from now on.
                case BatchResult.Unsupported unsupported -> answers.reschedule(task, now, now, task.urgency);
                case BatchResult.Failed failed -> answers.apply(task, failed.failure(), false, true, now);
            }
        }
    }

    /**
     * The upstream was just found to cap its batch answers at {@code cap}: tasks left out of an answer of
     * that many were left out for the cap, not because they are missing, so they go back into batches
     * rather than costing a single fetch each (a batch of 1000 against a cap of 100 leaves out 900).
     */
    private void releaseConfirmations(Lane lane, int cap) {
        for (TrackedTask waiting : lane.tasks.values()) {
            if (waiting.confirmAbsence && waiting.absentFromAnswerOf == cap) {
                waiting.confirmAbsence = false;
            }
        }
    }
}
