package io.mjtracker.worker.tracking;

import io.mjtracker.worker.config.TrackingSettings;
import io.mjtracker.worker.hooks.Hint;
import io.mjtracker.worker.metrics.HookMetrics;
import io.mjtracker.worker.metrics.TrackerMetrics;
import io.mjtracker.worker.upstream.BatchSupport;
import io.mjtracker.worker.upstream.UpstreamGuard;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * only says how long it waits; the others go on. {@link Polls} sends (HTTP runs asynchronously) and takes
 * the answers; at most one request per task is outstanding. A batch answer is read per task exactly as a single fetch would be, except that a
 * task it leaves out is asked for alone before its silence counts for anything; what an answer means
 * for its task (a status update, its next poll, its end) is {@link TaskAnswers}' to decide. A live task
 * is always in one place: waiting in its lane's dispatcher or in flight. The loop survives any error of
 * one task (logged with its id, the task polled again later); only an {@link Error} ends the thread, and
 * then {@link #alive()} turns false so the worker reports itself not live.
 */
public final class Tracker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Tracker.class);
    private static final long IDLE_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long ERROR_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /**
     * How long polls go on once a task is past its TIMED_OUT limit: its last poll, a retry or two where that
     * fails, and the second not-found a NOT_FOUND takes (2 s after the first).
     */
    static final long LAST_POLLS_MILLIS = 60_000;

    private final TrackingSettings settings;
    private final Map<String, Lane> lanes = new LinkedHashMap<>();
    private final PollCadence cadence;
    private final TrackerMetrics metrics;
    private final Clock clock;

    private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final TaskAnswers answers;
    private final Polls polls;
    private final Hints hints;
    private final AtomicInteger openRequests = new AtomicInteger();
    /** Tasks the dispatcher's last scan found past their limit, ended after it; reused every turn. */
    private final List<TrackedTask> expired = new ArrayList<>();
    private volatile int trackedTasks;
    private volatile boolean stopping;
    private Thread thread;

    /**
     * @param lanes one per upstream profile; requests name theirs ({@link TaskRequest#upstream()})
     * @param hookMetrics what hints did ({@link #hint})
     * @param clock every interval: schedules, limits, pauses (a clock that a step of the host's time does not move)
     * @param wall the timestamps users read in status updates and results
     */
    public Tracker(TrackingSettings settings, List<Lane> lanes, PollCadence cadence, StatusSink statusSink,
            TrackerMetrics metrics, HookMetrics hookMetrics, Clock clock, Clock wall) {
        this.settings = settings;
        for (Lane lane : lanes) {
            lane.attach(this::command);
            this.lanes.put(lane.name, lane);
        }
        this.cadence = cadence;
        this.metrics = metrics;
        this.clock = clock;
        this.hints = new Hints(hookMetrics, cadence.hintRepoll());
        this.answers = new TaskAnswers(settings, cadence, statusSink, metrics, wall, completions, hints);
        this.polls = new Polls(metrics, answers, cadence, clock);
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

    /**
     * A hook said something of a task: where this worker tracks it, its next poll comes now (docs/hooks.md).
     * Never ends it or publishes anything by itself. Any thread.
     */
    public void hint(Hint hint) {
        command(() -> hints.apply(hint, lanes.get(hint.upstream()), clock.millis()));
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
            task.addRequest(request);
            task.alsoRequested(request, clock.millis(), lane.guard.unavailability().millis());
            return;
        }
        task = new TrackedTask(lane, request, clock.millis());
        task.addRequest(request);
        lane.tasks.put(task.id, task);
        lane.dispatcher.schedule(task, task.firstSeenAtMillis, task.firstSeenAtMillis + cadence.firstPollDelay(), Urgency.RUNNING);
    }

    private void drop(Set<TopicPartition> revoked) {
        int dropped = 0;
        for (Lane lane : lanes.values()) {
            for (var it = lane.tasks.values().iterator(); it.hasNext(); ) {
                TrackedTask task = it.next();
                int removed = task.removeRequests(request ->
                        revoked.contains(new TopicPartition(request.source().topic(), request.source().partition())));
                dropped += removed;
                openRequests.addAndGet(-removed);
                // A task with a poll in flight stays until its answer (then it goes, unless a request came
                // back for it meanwhile): a new request must not start a second task with a second poll.
                if (task.requests().isEmpty() && !task.outstanding) {
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
            expired.clear();
            long untilReady = lane.dispatcher.millisUntilReady(now, task -> {
                boolean wanted = stillWanted(task, now);
                if (!wanted) {
                    expired.add(task);
                }
                return wanted;
            });
            for (TrackedTask task : expired) {
                answers.timedOut(task, now);
            }
            if (untilReady != 0) {
                return untilReady < 0 ? IDLE_PARK_NANOS : TimeUnit.MILLISECONDS.toNanos(untilReady);
            }
            if (lane.outstanding >= lane.maxOutstanding(settings.maxConcurrentRequests())) {
                return IDLE_PARK_NANOS;
            }
            long wait = lane.guard.nanosUntilPermitted();
            if (wait > 0) {
                return wait;
            }
            String canary = lane.guard.canaryToCheck();
            if (canary != null) {
                polls.sendCanary(lane, canary);
                continue;
            }
            List<TrackedTask> picked = lane.dispatcher.take(now, lane.batches.idsPerRequest());
            if (picked.size() == 1) {
                polls.send(picked.getFirst(), now);
            } else {
                polls.sendBatch(lane, picked, lane.dispatcher.hasReady(), now);
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
        if (!answers.pastLimit(task, now)) {
            task.pastLimitAtMillis = -1;
            return true;
        }
        if (task.pastLimitAtMillis < 0) {
            task.pastLimitAtMillis = now;
        }
        // An upstream that cannot be asked now cannot show the task unfinished: it waits for an answer.
        return now - task.pastLimitAtMillis < LAST_POLLS_MILLIS || task.lane.guard.unavailability().unavailableNow();
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
