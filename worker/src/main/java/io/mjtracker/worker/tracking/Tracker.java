package io.mjtracker.worker.tracking;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.StatusUpdate;
import io.mjtracker.common.record.TrackingFacts;
import io.mjtracker.common.task.Task;
import io.mjtracker.common.task.TrackingPhase;
import io.mjtracker.worker.config.TrackingSettings;
import io.mjtracker.worker.metrics.TrackerMetrics;
import io.mjtracker.worker.upstream.FetchResult;
import io.mjtracker.worker.upstream.UpstreamClient;
import io.mjtracker.worker.upstream.UpstreamGuard;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
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
 * <p>The loop: apply queued commands, send every poll that is due as far as the {@link UpstreamGuard}
 * and the concurrency cap allow, then park until the next poll is due or a command arrives. HTTP runs
 * asynchronously; at most one request per task is outstanding. The loop survives any error of one task
 * (logged with its id, the task polled again later); only an {@link Error} ends the thread, and then
 * {@link #alive()} turns false so the worker reports itself not live.
 */
public final class Tracker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Tracker.class);
    private static final long IDLE_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long ERROR_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** A not-found answer ends a task only once it has been seen this many times in a row. */
    private static final int NOT_FOUND_CONFIRMATIONS = 2;

    private final TrackingSettings settings;
    private final UpstreamClient client;
    private final UpstreamGuard guard;
    private final PollCadence cadence;
    private final StatusSink statusSink;
    private final TrackerMetrics metrics;
    private final Clock clock;

    private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final AtomicInteger openRequests = new AtomicInteger();
    private final Map<String, TrackedTask> tasks = new HashMap<>();
    private final PollSchedule schedule = new PollSchedule();
    private final PackedJson packed = new PackedJson();
    private final Map<String, String> canonicalValues = new HashMap<>();
    private volatile int trackedTasks;
    private volatile boolean stopping;
    private int outstanding;
    private Thread thread;

    public Tracker(TrackingSettings settings, UpstreamClient client, UpstreamGuard guard, PollCadence cadence,
            StatusSink statusSink, TrackerMetrics metrics, Clock clock) {
        this.settings = settings;
        this.client = client;
        this.guard = guard;
        this.cadence = cadence;
        this.statusSink = statusSink;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Starts the tracker thread. */
    public void start() {
        thread = Thread.ofPlatform().name("tracker").start(this::run);
    }

    /** Takes a request in; a task already tracked gains one more request to answer. Any thread. */
    public void submit(TaskRequest request) {
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

    /** True while the upstream's circuit is open. */
    public boolean circuitOpen() {
        return guard.circuitOpen();
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
        return dispatchDue();
    }

    private void drainCommands() {
        Runnable command;
        while ((command = commands.poll()) != null) {
            command.run();
        }
    }

    private void track(TaskRequest request) {
        TrackedTask task = tasks.get(request.taskId());
        if (task != null) {
            task.requests.add(request);
            return;
        }
        task = new TrackedTask(request, clock.millis());
        task.requests.add(request);
        tasks.put(task.id, task);
        trackedTasks = tasks.size();
        schedule.schedule(task, task.firstSeenAtMillis + cadence.firstPollDelay());
    }

    private void drop(Set<TopicPartition> revoked) {
        int dropped = 0;
        for (var it = tasks.values().iterator(); it.hasNext(); ) {
            TrackedTask task = it.next();
            int before = task.requests.size();
            task.requests.removeIf(request ->
                    revoked.contains(new TopicPartition(request.source().topic(), request.source().partition())));
            int removed = before - task.requests.size();
            dropped += removed;
            openRequests.addAndGet(-removed);
            if (task.requests.isEmpty()) {
                task.ended = true;
                it.remove();
            }
        }
        trackedTasks = tasks.size();
        if (dropped > 0) {
            LOG.info("dropped {} requests of revoked partitions {}; their new owner resumes them", dropped, revoked);
        }
    }

    /** Sends what is due; returns how long to park. */
    private long dispatchDue() {
        while (true) {
            TrackedTask head = schedule.peek();
            if (head == null) {
                return IDLE_PARK_NANOS;
            }
            long now = clock.millis();
            if (head.dueAtMillis > now) {
                return TimeUnit.MILLISECONDS.toNanos(head.dueAtMillis - now);
            }
            if (head.trackedMillis(now, guard.unavailability().millis()) >= settings.maxTrackDuration().toMillis()) {
                schedule.poll();
                end(head, Outcome.TIMED_OUT, "not finished " + settings.maxTrackDuration()
                        + " after the request (not counting time the upstream was unreachable or refused the key)", now);
                continue;
            }
            if (outstanding >= settings.maxConcurrentRequests()) {
                return IDLE_PARK_NANOS;
            }
            long wait = guard.nanosUntilPermitted();
            if (wait > 0) {
                return wait;
            }
            String canary = guard.canaryToCheck();
            if (canary != null) {
                sendCanary(canary);
                continue;
            }
            schedule.poll();
            send(head, now);
        }
    }

    private void send(TrackedTask task, long now) {
        task.outstanding = true;
        outstanding++;
        metrics.pollLateness(now - task.dueAtMillis);
        long startNanos = System.nanoTime();
        fetch(task.id).whenComplete((result, failure) -> {
            long latency = System.nanoTime() - startNanos;
            FetchResult answer = failure == null ? result
                    : new FetchResult.IoFailure("fetch failed: " + failure.getClass().getSimpleName());
            command(() -> onAnswer(task, answer, latency));
        });
    }

    /** Asks for a task known to exist, to tell a task-specific not-found from a whole-upstream one. */
    private void sendCanary(String taskId) {
        outstanding++;
        long startNanos = System.nanoTime();
        fetch(taskId).whenComplete((result, failure) -> {
            long latency = System.nanoTime() - startNanos;
            FetchResult answer = failure == null ? result
                    : new FetchResult.IoFailure("fetch failed: " + failure.getClass().getSimpleName());
            command(() -> {
                outstanding--;
                guard.recordCanary(answer, latency);
                metrics.poll(answer.metricTag(), latency);
            });
        });
    }

    /** A request that cannot even be built (a local error) becomes a malformed answer for its task, never a lost task. */
    private java.util.concurrent.CompletableFuture<FetchResult> fetch(String taskId) {
        try {
            return client.fetch(taskId);
        } catch (RuntimeException e) {
            LOG.error("request for task {} could not be made: {}", taskId, e.getClass().getSimpleName());
            return java.util.concurrent.CompletableFuture.completedFuture(
                    new FetchResult.Malformed("request could not be made: " + e.getClass().getSimpleName()));
        }
    }

    private void onAnswer(TrackedTask task, FetchResult result, long latencyNanos) {
        outstanding--;
        task.outstanding = false;
        boolean taskSpecificRefusal = guard.record(task.id, result, latencyNanos);
        metrics.poll(result.metricTag(), latencyNanos);
        if (task.ended) {
            return;
        }
        task.polls++;
        long now = clock.millis();
        try {
            switch (result) {
                case FetchResult.Found found -> onFound(task, found.task(), now);
                case FetchResult.NotFound notFound -> onNotFound(task, notFound.message(), now);
                case FetchResult.Unauthorized unauthorized when taskSpecificRefusal -> onTransientFailure(task,
                        new FetchResult.Malformed("the upstream refuses this task (" + unauthorized.message() + ")"), now);
                case FetchResult.Unauthorized unauthorized -> reschedule(task, now + cadence.afterQueued());
                case FetchResult.Misconfigured misconfigured -> reschedule(task, now + cadence.afterQueued());
                default -> onTransientFailure(task, result, now);
            }
        } catch (RuntimeException e) {
            metrics.trackerError();
            LOG.error("error handling the answer for task {}; it is polled again later", task.id, e);
            reschedule(task, now + cadence.afterQueued());
        }
    }

    private void onFound(TrackedTask task, Task fetched, long now) {
        finishRetry(task);
        task.malformedStreak = 0;
        task.notFoundStreak = 0;
        task.lastFoundAtMillis = now;
        task.lastFinishTime = fetched.finishTime();
        publishIfChanged(task, fetched, now);
        TrackingPhase phase = fetched.status().phase();
        if (phase == TrackingPhase.FINISHED || phase == TrackingPhase.NEEDS_USER) {
            end(task, Outcome.of(fetched.status()).orElseThrow(), fetched.failReason(), now, fetched.json());
            return;
        }
        String json = fetched.json();
        if (json.length() != task.lastTaskLength || json.hashCode() != task.lastTaskHash) {
            task.lastTaskPacked = packed.pack(json);
            task.lastTaskHash = json.hashCode();
            task.lastTaskLength = json.length();
        }
        switch (phase) {
            case UNKNOWN -> {
                metrics.unknownStatus();
                reschedule(task, now + cadence.afterUnknownStatus());
            }
            default -> reschedule(task, now + runningDelay(task, fetched, now));
        }
    }

    private long runningDelay(TrackedTask task, Task fetched, long now) {
        int percent = fetched.progress().percent();
        long delay = cadence.afterUnfinished(fetched.status().isQueued(), percent, fetched.startTime(), now,
                task.lastPercent, task.lastPercentAtMillis);
        if (percent != task.lastPercent) {
            task.lastPercent = percent;
            task.lastPercentAtMillis = now;
        }
        return delay;
    }

    private void publishIfChanged(TrackedTask task, Task fetched, long now) {
        String status = fetched.status().raw();
        String progress = fetched.progress().raw();
        if (Objects.equals(status, task.lastStatus) && Objects.equals(progress, task.lastProgress)) {
            return;
        }
        task.lastStatus = canonical(status);
        task.lastProgress = canonical(progress);
        for (TaskRequest request : task.requests) {
            statusSink.publish(request, StatusUpdate.of(task.id, fetched, now, task.polls, request.source(), request.metadata()));
            metrics.statusPublished();
        }
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
        long invisibleSince = Math.max(task.requestedAtMillis, task.lastFoundAtMillis);
        if (task.notFoundStreak >= NOT_FOUND_CONFIRMATIONS && guard.notFoundTrusted()
                && now - invisibleSince >= settings.notFoundGrace().toMillis()) {
            end(task, Outcome.NOT_FOUND, message, now);
        } else {
            reschedule(task, now + cadence.afterNotFound(task.notFoundStreak));
        }
    }

    private void onTransientFailure(TrackedTask task, FetchResult failure, long now) {
        if (failure instanceof FetchResult.Malformed malformed
                && ++task.malformedStreak >= settings.maxMalformedPolls()) {
            end(task, Outcome.FAILED, "upstream answered " + task.malformedStreak
                    + " times with something that is not a task; last: " + malformed.message(), now);
            return;
        }
        if (task.retry == null) {
            task.retry = guard.newRetryContext();
        }
        long delay = task.retry.onError(UpstreamGuard.failureOf(failure));
        if (delay < 0) {
            // Retries are spent; the task is not failed for an outage, it goes back to its normal pace.
            task.retry = null;
            delay = cadence.afterQueued();
        }
        reschedule(task, now + delay);
    }

    private void finishRetry(TrackedTask task) {
        if (task.retry != null) {
            task.retry.onComplete();
            task.retry = null;
        }
    }

    private void reschedule(TrackedTask task, long dueAtMillis) {
        if (!task.ended) {
            schedule.schedule(task, dueAtMillis);
        }
    }

    private void end(TrackedTask task, Outcome outcome, String reason, long now) {
        end(task, outcome, reason, now, packed.unpack(task.lastTaskPacked));
    }

    private void end(TrackedTask task, Outcome outcome, String reason, long now, String taskJson) {
        task.ended = true;
        tasks.remove(task.id);
        trackedTasks = tasks.size();
        Long finishedUpstream = task.lastFinishTime;
        TrackingFacts facts = new TrackingFacts(task.requestedAtMillis, finishedUpstream, now, task.polls);
        for (TaskRequest request : task.requests) {
            completions.add(new Completion(request, FinalResult.of(
                    task.id, outcome, reason, taskJson, facts, request.source(), request.metadata())));
        }
        metrics.finished(outcome, now - task.requestedAtMillis);
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
        while (outstanding > 0 && System.nanoTime() < deadline) {
            Runnable command = commands.poll();
            if (command == null) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            } else {
                command.run();
            }
        }
    }
}
