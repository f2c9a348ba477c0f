package io.mjtracker.worker.tracking;

import io.github.resilience4j.retry.Retry;
import io.mjtracker.worker.upstream.FetchResult;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The tracker's state of one task id on one upstream, however many requests asked for it. Owned by the tracker thread;
 * kept small because a worker holds up to hundreds of thousands of them.
 */
final class TrackedTask {

    final String id;
    /** The upstream it is tracked on. */
    final Lane lane;
    /** When the first request for it was made: what results report. */
    final long requestedAtMillis;
    /**
     * The request whose clocks the TIMED_OUT limit and the NOT_FOUND grace count from: the one with the
     * most time left (the newest, credit counted), so that a later request for a tracked task is not
     * answered TIMED_OUT at an older request's deadline. What it brings from earlier owners: see {@link TaskRequest}.
     */
    private long limitFromMillis;
    private long unavailableCreditMillis;
    private long unavailableAtIntakeMillis;
    final long firstSeenAtMillis;
    long lastFoundAtMillis = -1;
    /**
     * The requests for it, oldest first. Nearly always one: an immutable list of one costs 24 bytes, an
     * {@code ArrayList} with its array about 48, and a worker holds hundreds of thousands of tasks.
     */
    private List<TaskRequest> requests = List.of();
    long dueAtMillis;
    long sequence;
    Urgency urgency = Urgency.RUNNING;
    /** Where {@link #urgency} is FINISHING, the earliest it may have finished: those finished longest go first. */
    long mayHaveFinishedAtMillis;
    /** This task's share of the demand ({@link Dispatcher}), in millionths of a poll per second. */
    long demandMicros;
    /** When the last poll and the one before it were sent, or -1. */
    long lastPolledAtMillis = -1;
    long previousPolledAtMillis = -1;
    /** Left out of a batch answer of this many tasks: the next poll asks for it alone before anything counts. */
    boolean confirmAbsence;
    int absentFromAnswerOf;
    /** A poll of it is in flight. */
    boolean outstanding;
    /** It waits in the dispatcher: scheduled, or due and waiting for a request. */
    boolean queued;
    boolean ended;
    int polls;
    int notFoundStreak;
    int malformedStreak;
    /** The last fetched task's JSON, deflated ({@link PackedJson}), for a result that needs it. */
    byte[] lastTaskPacked;
    /** Hash and length of the JSON packed last: an unchanged answer (most polls) is not packed again. */
    int lastTaskHash;
    int lastTaskLength = -1;
    Long lastFinishTime;
    String lastStatus;
    String lastProgress;
    int lastPercent = -1;
    long lastPercentAtMillis = -1;
    /** What hooks said of it, or null: none yet. */
    HintState hints;
    /** When a poll came due with the task past its TIMED_OUT limit, or -1: its last polls since then. */
    long pastLimitAtMillis = -1;
    Retry.AsyncContext<FetchResult> retry;

    TrackedTask(Lane lane, TaskRequest first, long firstSeenAtMillis) {
        this.id = first.taskId();
        this.lane = lane;
        this.requestedAtMillis = first.requestedAtMillis();
        this.limitFromMillis = first.requestedAtMillis();
        this.unavailableCreditMillis = first.unavailableCreditMillis();
        this.unavailableAtIntakeMillis = first.unavailableAtIntakeMillis();
        this.firstSeenAtMillis = firstSeenAtMillis;
    }

    List<TaskRequest> requests() {
        return requests;
    }

    void addRequest(TaskRequest request) {
        if (requests.isEmpty()) {
            requests = List.of(request);
        } else {
            List<TaskRequest> more = new ArrayList<>(requests);
            more.add(request);
            requests = List.copyOf(more);
        }
    }

    /** Removes the requests {@code gone} says; how many it removed. */
    int removeRequests(Predicate<TaskRequest> gone) {
        if (requests.stream().noneMatch(gone)) {
            return 0; // most tasks of a revocation: nothing to copy
        }
        List<TaskRequest> kept = requests.stream().filter(gone.negate()).toList();
        int removed = requests.size() - kept.size();
        requests = kept;
        return removed;
    }

    /** Another request for this task: its clocks count from now on where they leave more time than the current ones. */
    void alsoRequested(TaskRequest request, long now, long unavailableClockMillis) {
        long current = trackedMillis(now, unavailableClockMillis);
        long theirs = now - request.requestedAtMillis() - request.unavailableCreditMillis()
                - Math.max(0, unavailableClockMillis - request.unavailableAtIntakeMillis());
        if (theirs < current) {
            limitFromMillis = request.requestedAtMillis();
            unavailableCreditMillis = request.unavailableCreditMillis();
            unavailableAtIntakeMillis = request.unavailableAtIntakeMillis();
        }
    }

    /** When the request the NOT_FOUND grace counts from was made. */
    long limitFromMillis() {
        return limitFromMillis;
    }

    /** A not-found answer is asked for and counted one task at a time, never read into a batch's silence. */
    boolean asksAlone() {
        return confirmAbsence || notFoundStreak > 0;
    }

    long lastPolledOrSeenMillis() {
        return lastPolledAtMillis >= 0 ? lastPolledAtMillis : firstSeenAtMillis;
    }

    void polledAt(long nowMillis) {
        previousPolledAtMillis = lastPolledAtMillis;
        lastPolledAtMillis = nowMillis;
    }

    /**
     * How long the task has been tracked, counted from the request and without the time the upstream was
     * unreachable or refused the key (now or under earlier owners): what the TIMED_OUT limit applies to.
     */
    long trackedMillis(long now, long unavailableClockMillis) {
        long unavailable = unavailableCreditMillis + Math.max(0, unavailableClockMillis - unavailableAtIntakeMillis);
        return now - limitFromMillis - unavailable;
    }
}
