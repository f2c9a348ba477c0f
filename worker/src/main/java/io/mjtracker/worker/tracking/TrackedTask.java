package io.mjtracker.worker.tracking;

import io.github.resilience4j.retry.Retry;
import io.mjtracker.worker.upstream.FetchResult;
import java.util.ArrayList;
import java.util.List;

/**
 * The tracker's state of one task id, however many requests asked for it. Owned by the tracker thread;
 * kept small because a worker holds up to hundreds of thousands of them.
 */
final class TrackedTask {

    final String id;
    final long firstSeenAtMillis;
    final List<TaskRequest> requests = new ArrayList<>(1);
    long dueAtMillis;
    long sequence;
    boolean outstanding;
    boolean ended;
    int polls;
    int notFoundStreak;
    long notFoundSinceMillis = -1;
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
    Retry.AsyncContext<FetchResult> retry;

    TrackedTask(String id, long firstSeenAtMillis) {
        this.id = id;
        this.firstSeenAtMillis = firstSeenAtMillis;
    }
}
