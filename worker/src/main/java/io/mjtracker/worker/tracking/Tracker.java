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
import io.mjtracker.worker.upstream.BatchResult;
import io.mjtracker.worker.upstream.BatchSupport;
import io.mjtracker.worker.upstream.FetchResult;
import io.mjtracker.worker.upstream.UpstreamGuard;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks every task in flight on one thread of its own. Other threads talk to it through a command
 * queue ({@link #submit}, {@link #revoke}, fetch answers) and read finished work from {@link
 * #pollCompletion()}; all tracking state is confined to the tracker thread, so it needs no locks.
 *
 * <p>Each upstream profile has a {@link Lane} of its own: its tasks, guard, batching and dispatch order.
 * The loop: apply queued commands; for every lane, send the polls that are due as far as its {@link
 * UpstreamGuard} and its concurrency cap allow (its {@link Dispatcher} picks which, most urgent first,
 * and packs them into batches where its {@link BatchSupport} allows); then park until the next poll of
 * any lane is due or a command arrives. A lane that may not send (circuit open, 429 pause, budget spent)
 * only says how long it waits; the others go on. HTTP runs asynchronously; at most one request per task
 * is outstanding. A batch answer is read per task exactly as a single fetch would be, except that a
 * task it leaves out is asked for alone before its silence counts for anything. The loop survives any
 * error of one task (logged with its id, the task polled again later); only an {@link Error} ends the
 * thread, and then {@link #alive()} turns false so the worker reports itself not live.
 */
public final class Tracker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Tracker.class);
    private static final long IDLE_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long ERROR_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** A not-found answer ends a task only once it has been seen this many times in a row. */
    private static final int NOT_FOUND_CONFIRMATIONS = 2;
    /**
     * How long polls go on once a task is past its TIMED_OUT limit: its last poll, a retry or two where that
     * fails, and the second not-found a NOT_FOUND takes (2 s after the first).
     */
    static final long LAST_POLLS_MILLIS = 60_000;

    private final TrackingSettings settings;
    private final Map<String, Lane> lanes = new LinkedHashMap<>();
    private final PollCadence cadence;
    private final StatusSink statusSink;
    private final TrackerMetrics metrics;
    private final Clock clock;
    /** Only for the timestamps users read (observedAt, detectedAt); every interval uses {@link #clock}. */
    private final Clock wall;

    private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final AtomicInteger openRequests = new AtomicInteger();
    private final PackedJson packed = new PackedJson();
    private final Map<String, String> canonicalValues = new HashMap<>();
    private volatile int trackedTasks;
    private volatile boolean stopping;
    private Thread thread;

    /**
     * @param lanes one per upstream profile; requests name theirs ({@link TaskRequest#upstream()})
     * @param clock every interval: schedules, limits, pauses (a clock that a step of the host's time does not move)
     * @param wall the timestamps users read in status updates and results
     */
    public Tracker(TrackingSettings settings, List<Lane> lanes, PollCadence cadence, StatusSink statusSink,
            TrackerMetrics metrics, Clock clock, Clock wall) {
        this.settings = settings;
        for (Lane lane : lanes) {
            lane.attach(this::command);
            this.lanes.put(lane.name, lane);
        }
        this.cadence = cadence;
        this.statusSink = statusSink;
        this.metrics = metrics;
        this.clock = clock;
        this.wall = wall;
    }

    /** Starts the tracker thread. */
    public void start() {
        thread = Thread.ofPlatform().name("tracker").start(this::run);
    }

    /**
     * Takes a request in; a task already tracked on the same upstream gains one more request to answer. Any thread.
     *
     * @throws IllegalArgumentException where the request names an upstream without a lane (intake dead-letters those)
     */
    public void submit(TaskRequest request) {
        if (!lanes.containsKey(request.upstream())) {
            throw new IllegalArgumentException("no upstream profile '" + request.upstream() + "'");
        }
        openRequests.incrementAndGet();
        command(() -> track(request));
    }

    /** Drops the requests of partitions this worker no longer owns; their new owner redoes them. Any thread. */
    public void revoke(Collection<TopicPartition> partitions) {
        Set<TopicPartition> revoked = Set.copyOf(partitions);
        command(() -> drop(revoked));
    }

    /** The next finished request, or null. */
    public Completion pollCompletion() {
        return completions.poll();
    }

    /** Requests taken in and not yet finished or dropped: what backpressure counts. */
    public int openRequests() {
        return openRequests.get();
    }

    /** Distinct tasks being tracked. */
    public int trackedTasks() {
        return trackedTasks;
    }

    /** False once the tracker thread has died; health then reports the worker not live. */
    public boolean alive() {
        Thread current = thread;
        return current == null || current.isAlive() || stopping;
    }

    private void command(Runnable command) {
        commands.add(command);
        Thread target = thread;
        if (target != null) {
            LockSupport.unpark(target);
        }
    }

    private void run() {
        while (!stopping) {
            long parkNanos;
            try {
                parkNanos = runOnce();
            } catch (RuntimeException e) {
                // Per-task errors are handled where the task is known; this is the last line, so that one
                // unexpected error never stops all tracking.
                metrics.trackerError();
                LOG.error("tracker loop error; tracking goes on", e);
                parkNanos = ERROR_PARK_NANOS;
            }
            if (commands.isEmpty() && !stopping) {
                LockSupport.parkNanos(this, parkNanos);
            }
        }
    }

    /**
     * One turn of the loop: apply queued commands, send what is due; returns how long to park. The
     * tracker thread calls it; unit tests call it directly to drive a fake clock without a thread.
     */
    long runOnce() {
        drainCommands();
        long park = IDLE_PARK_NANOS;
        for (Lane lane : lanes.values()) {
            park = Math.min(park, dispatchDue(lane));
        }
        long now = clock.millis();
        int tracked = 0;
        for (Lane lane : lanes.values()) {
            lane.publishGauges(now);
            tracked += lane.tasks.size();
        }
        trackedTasks = tracked;
        return park;
    }

    private void drainCommands() {
        Runnable command;
        while ((command = commands.poll()) != null) {
            command.run();
        }
    }

    private void track(TaskRequest request) {
        Lane lane = lanes.get(request.upstream());
        TrackedTask task = lane.tasks.get(request.taskId());
        if (task != null) {
            // Also a task whose requests were all dropped while a poll of it was in flight: it goes on with this one.
            task.requests.add(request);
            task.alsoRequested(request, clock.millis(), lane.guard.unavailability().millis());
            return;
        }
        task = new TrackedTask(lane, request, clock.millis());
        task.requests.add(request);
        lane.tasks.put(task.id, task);
        lane.dispatcher.schedule(task, task.firstSeenAtMillis, task.firstSeenAtMillis + cadence.firstPollDelay(), Urgency.RUNNING);
    }

    private void drop(Set<TopicPartition> revoked) {
        int dropped = 0;
        for (Lane lane : lanes.values()) {
            for (var it = lane.tasks.values().iterator(); it.hasNext(); ) {
                TrackedTask task = it.next();
                int before = task.requests.size();
                task.requests.removeIf(request ->
                        revoked.contains(new TopicPartition(request.source().topic(), request.source().partition())));
                int removed = before - task.requests.size();
                dropped += removed;
                openRequests.addAndGet(-removed);
                // A task with a poll in flight stays until its answer (then it goes, unless a request came
                // back for it meanwhile): a new request must not start a second task with a second poll.
                if (task.requests.isEmpty() && !task.outstanding) {
                    task.ended = true;
                    lane.dispatcher.forget(task);
                    it.remove();
                }
            }
        }
        if (dropped > 0) {
            LOG.info("dropped {} requests of revoked partitions {}; their new owner resumes them", dropped, revoked);
        }
    }

    /** Sends what of {@code lane} is due; returns how long the lane has nothing to send. */
    private long dispatchDue(Lane lane) {
        while (true) {
            long now = clock.millis();
            List<TrackedTask> expired = new ArrayList<>();
            long untilReady = lane.dispatcher.millisUntilReady(now, task -> {
                boolean wanted = stillWanted(task, now);
                if (!wanted) {
                    expired.add(task);
                }
                return wanted;
            });
            for (TrackedTask task : expired) {
                timedOut(task, now, packed.unpack(task.lastTaskPacked));
            }
            if (untilReady != 0) {
                return untilReady < 0 ? IDLE_PARK_NANOS : TimeUnit.MILLISECONDS.toNanos(untilReady);
            }
            if (lane.outstanding >= settings.maxConcurrentRequests()) {
                return IDLE_PARK_NANOS;
            }
            long wait = lane.guard.nanosUntilPermitted();
            if (wait > 0) {
                return wait;
            }
            String canary = lane.guard.canaryToCheck();
            if (canary != null) {
                sendCanary(lane, canary);
                continue;
            }
            List<TrackedTask> picked = lane.dispatcher.take(now, lane.batches.idsPerRequest());
            if (picked.size() == 1) {
                send(picked.getFirst(), now);
            } else {
                sendBatch(lane, picked, lane.dispatcher.hasReady(), now);
            }
        }
    }

    /**
     * False where the task has run out of time: the caller ends it as TIMED_OUT instead of polling it. A task past
     * its limit is first polled once more (and retried for {@link #LAST_POLLS_MILLIS} where that fails, or
     * for as long as the upstream cannot be asked): it may have finished while it waited, in Kafka behind a
     * backlog or for the request budget, and a result must not say TIMED_OUT of a task the upstream shows done.
     */
    private boolean stillWanted(TrackedTask task, long now) {
        if (!pastLimit(task, now)) {
            task.pastLimitAtMillis = -1;
            return true;
        }
        if (task.pastLimitAtMillis < 0) {
            task.pastLimitAtMillis = now;
        }
        // An upstream that cannot be asked now cannot show the task unfinished: it waits for an answer.
        return now - task.pastLimitAtMillis < LAST_POLLS_MILLIS || task.lane.guard.unavailability().unavailableNow();
    }

    private boolean pastLimit(TrackedTask task, long now) {
        return task.trackedMillis(now, task.lane.guard.unavailability().millis()) >= settings.maxTrackDuration().toMillis();
    }

    private void timedOut(TrackedTask task, long now, String taskJson) {
        end(task, Outcome.TIMED_OUT, "not finished " + settings.maxTrackDuration()
                + " after the request (not counting time the upstream was unreachable, refused the key or answered 429)", now, taskJson);
    }

    private void markSent(TrackedTask task, long now) {
        task.outstanding = true;
        task.polledAt(now);
        metrics.pollLateness(now - task.dueAtMillis);
    }

    private void send(TrackedTask task, long now) {
        Lane lane = task.lane;
        lane.outstanding++;
        markSent(task, now);
        metrics.taskPolls(lane.name, 1);
        lane.requests.fetch(task.id, (answer, latency) -> onAnswer(task, answer, latency));
    }

    /** @param moreWaiting whether due polls stay behind it, waiting for the budget */
    private void sendBatch(Lane lane, List<TrackedTask> tasks, boolean moreWaiting, long now) {
        lane.outstanding++;
        List<String> ids = new ArrayList<>(tasks.size());
        for (TrackedTask task : tasks) {
            markSent(task, now);
            ids.add(task.id);
        }
        metrics.taskPolls(lane.name, ids.size());
        metrics.batchFill(lane.name, ids.size(), lane.batches.idsPerRequest());
        lane.requests.fetchBatch(ids, (answer, latency) -> onBatchAnswer(lane, tasks, ids, moreWaiting, answer, latency));
    }

    /** Asks for a task known to exist, to tell a task-specific not-found from a whole-upstream one. */
    private void sendCanary(Lane lane, String taskId) {
        lane.outstanding++;
        lane.requests.fetch(taskId, (answer, latency) -> {
            lane.outstanding--;
            lane.guard.recordCanary(answer, latency);
            metrics.poll(lane.name, answer.metricTag(), latency);
        });
    }

    private void onAnswer(TrackedTask task, FetchResult result, long latencyNanos) {
        Lane lane = task.lane;
        lane.outstanding--;
        task.outstanding = false;
        try {
            if (retireIfUnwanted(task)) {
                return;
            }
            boolean taskSpecificRefusal = lane.guard.record(task.id, result, latencyNanos);
            metrics.poll(lane.name, result.metricTag(), latencyNanos);
            if (task.confirmAbsence && (result instanceof FetchResult.Found || result instanceof FetchResult.NotFound)) {
                task.confirmAbsence = false;
                if (result instanceof FetchResult.Found && lane.batches.cappedAt(task.absentFromAnswerOf)) {
                    releaseConfirmations(lane, task.absentFromAnswerOf);
                }
            }
            if (!task.ended) {
                apply(task, result, taskSpecificRefusal, false, clock.millis());
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
        if (task.ended || !task.requests.isEmpty()) {
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
            LOG.warn("task {} was left unscheduled after an answer; it is polled again later", task.id);
            long now = clock.millis();
            reschedule(task, now, now + cadence.afterQueued(), Urgency.RUNNING);
        }
    }

    private void onBatchAnswer(Lane lane, List<TrackedTask> tasks, List<String> ids, boolean moreWaiting, BatchResult result,
            long latencyNanos) {
        lane.outstanding--;
        for (TrackedTask task : tasks) {
            task.outstanding = false;
        }
        try {
            lane.guard.recordBatch(result, latencyNanos);
            FetchResult required = lane.batches.answered(result, ids, moreWaiting);
            if (required != null) {
                lane.guard.record(null, required, latencyNanos);
            }
            metrics.batchRequest(lane.name, result.metricTag());
            applyBatch(lane, tasks, result);
        } catch (RuntimeException e) {
            answerFailed(e);
        } finally {
            tasks.forEach(this::keepPlaced);
        }
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
                        apply(task, answer, false, false, now);
                    } else if (lane.batches.explainedByCap(answered, tasks.size())) {
                        reschedule(task, now, now, task.urgency);
                    } else {
                        // Absence proves nothing (a proxy may cap or page its answer): ask for the task alone.
                        task.confirmAbsence = true;
                        // Only an answer of tasks alone can show a cap; one with junk in it shows nothing.
                        task.absentFromAnswerOf = answered.clean() ? answered.elements() : -1;
                        reschedule(task, now, now, task.urgency);
                    }
                }
                // The route is missing: the same tasks go out again at once, as single fetches from now on.
                case BatchResult.Unsupported unsupported -> reschedule(task, now, now, task.urgency);
                case BatchResult.Failed failed -> apply(task, failed.failure(), false, true, now);
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

    /**
     * What one answer about a task means for it.
     *
     * @param wholeRequestFailed the answer is a batch's failure, not this task's: it never counts as the
     *     task's own unreadable answer
     */
    private void apply(TrackedTask task, FetchResult result, boolean taskSpecificRefusal, boolean wholeRequestFailed, long now) {
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
            LOG.error("error handling the answer for task {}; it is polled again later", task.id, e);
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
        reschedule(task, now, now + next.delayMillis(), urgency);
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
        for (TaskRequest request : task.requests) {
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

    private void reschedule(TrackedTask task, long now, long dueAtMillis, Urgency urgency) {
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
        for (TaskRequest request : task.requests) {
            completions.add(new Completion(request, FinalResult.of(
                    task.id, lane.name, outcome, reason, taskJson, facts, request.source(), request.metadata())));
        }
        metrics.finished(lane.name, outcome, now - task.requestedAtMillis);
    }

    /** Called by intake once a completion's result is committed (or discarded after a rebalance). */
    public void released(int requests) {
        openRequests.addAndGet(-requests);
    }

    /**
     * Stops sending polls and waits, up to {@code timeout}, for requests already sent to answer so that
     * the tasks they finish can still be committed.
     */
    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    private int outstandingRequests() {
        int outstanding = 0;
        for (Lane lane : lanes.values()) {
            outstanding += lane.outstanding;
        }
        return outstanding;
    }

    public void close(Duration timeout) {
        if (thread == null) {
            return;
        }
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        // The loop has stopped; finish draining answers to requests already sent on this thread.
        while (outstandingRequests() > 0 && System.nanoTime() < deadline) {
            Runnable command = commands.poll();
            if (command == null) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            } else {
                command.run();
            }
        }
    }
}
