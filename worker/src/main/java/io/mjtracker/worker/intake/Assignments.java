package io.mjtracker.worker.intake;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The input partitions assigned to this worker: those whose committed offset (and the metadata saying
 * what is done above it) is still being fetched, and those it owns, each under its own assignment
 * number. Consumer thread only.
 */
final class Assignments {

    private static final Logger LOG = LoggerFactory.getLogger(Assignments.class);
    private static final Duration OFFSET_FETCH_TIMEOUT = Duration.ofMillis(500);
    private static final Duration OFFSET_FETCH_RETRY = Duration.ofSeconds(1);
    private static final Duration WAITING_REPORT_INTERVAL = Duration.ofSeconds(30);
    private static final Duration SINGLE_FETCH_TIMEOUT = Duration.ofMillis(100);
    private static final Duration ONE_BY_ONE_BUDGET = Duration.ofMillis(300);

    private final Consumer<?, ?> consumer;
    private final Clock clock;
    private final int readAheadMargin;
    private final Map<TopicPartition, OwnedPartition> owned = new HashMap<>();
    private final Set<TopicPartition> awaiting = new HashSet<>();
    /** Waiting partitions a refused request left to be asked one by one, the one asked longest ago first. */
    private final Set<TopicPartition> unstable = new LinkedHashSet<>();
    private final Map<TopicPartition, Long> awaitingSince = new HashMap<>();
    private long assignmentCounter;
    private long lastFetchMillis;
    private long lastReportMillis;

    Assignments(Consumer<?, ?> consumer, Clock clock, int readAheadMargin) {
        this.consumer = consumer;
        this.clock = clock;
        this.readAheadMargin = readAheadMargin;
    }

    /** Partitions owned, with their progress; a live view. */
    Map<TopicPartition, OwnedPartition> owned() {
        return owned;
    }

    /** Partitions assigned whose committed offset is not known yet; a live view. */
    Set<TopicPartition> awaiting() {
        return awaiting;
    }

    /**
     * How long the partition waiting longest for its committed offset has waited, in milliseconds; 0 when
     * none waits. Minutes here mean a transaction on the group's offsets that does not end.
     */
    long longestWaitMillis() {
        long now = clock.millis();
        return awaitingSince.values().stream().mapToLong(since -> Math.max(0, now - since)).max().orElse(0);
    }

    /** The waiting partitions the broker refused to answer for, asked one by one. */
    Set<TopicPartition> unstable() {
        return Set.copyOf(unstable);
    }

    /** Partitions just assigned: their committed offsets are fetched next. */
    void assigned(Collection<TopicPartition> partitions) {
        long now = clock.millis();
        partitions.forEach(partition -> awaitingSince.putIfAbsent(partition, now));
        awaiting.addAll(partitions);
        unstable.removeAll(partitions);
        lastFetchMillis = 0;
    }

    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(owned::remove);
        awaiting.removeAll(partitions);
        unstable.removeAll(partitions);
        partitions.forEach(awaitingSince::remove);
    }

    /**
     * Reads the committed offsets of partitions just assigned. A previous owner's open transaction makes
     * the broker withhold them until it ends (commits, aborts or times out); the partitions wait, paused,
     * and every other partition keeps working. The broker refuses a whole request if any one partition in
     * it is unstable, so after a refusal each waiting partition is asked on its own: one partition held by
     * an open (or hanging) transaction never holds the others, and the log names it.
     */
    void fetchAwaited() {
        long now = clock.millis();
        if (awaiting.isEmpty() || now - lastFetchMillis < OFFSET_FETCH_RETRY.toMillis()) {
            return;
        }
        lastFetchMillis = now;
        Set<TopicPartition> fresh = new HashSet<>(awaiting);
        fresh.removeAll(unstable);
        if (!fresh.isEmpty() && !fetch(fresh, OFFSET_FETCH_TIMEOUT)) {
            unstable.addAll(fresh);
            return; // asked one by one from the next round on
        }
        if (unstable.isEmpty()) {
            return;
        }
        fetchOneByOne();
        if (!unstable.isEmpty() && now - lastReportMillis >= WAITING_REPORT_INTERVAL.toMillis()) {
            lastReportMillis = now;
            LOG.warn("partitions {} wait for their committed offsets: the broker withholds them while a transaction on the "
                    + "group's offsets is open (a previous owner's ends within its transaction timeout; one that outlives it "
                    + "is hanging, see mjtracker_partitions_awaiting_offsets_seconds) or while it is unreachable; the other "
                    + "partitions keep working", unstable);
        }
    }

    /**
     * Asks each partition left waiting by a refused request on its own, a short wait each, and for no
     * longer in all than {@link #ONE_BY_ONE_BUDGET} per round, so the consumer thread keeps polling.
     * The partition asked longest ago goes first.
     */
    private void fetchOneByOne() {
        long startNanos = System.nanoTime();
        for (TopicPartition partition : List.copyOf(unstable)) {
            if (System.nanoTime() - startNanos >= ONE_BY_ONE_BUDGET.toNanos()) {
                return;
            }
            unstable.remove(partition);
            if (!fetch(Set.of(partition), SINGLE_FETCH_TIMEOUT)) {
                unstable.add(partition);
            }
        }
    }

    /** Fetches and takes ownership of {@code partitions}; false where the broker did not answer for all of them in time. */
    private boolean fetch(Set<TopicPartition> partitions, Duration timeout) {
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = consumer.committed(partitions, timeout);
        } catch (WakeupException e) {
            return true; // stop() woke the fetch; the loop condition decides
        } catch (TimeoutException e) {
            return false;
        }
        for (TopicPartition partition : partitions) {
            if (!awaiting.remove(partition)) {
                continue;
            }
            awaitingSince.remove(partition);
            OffsetAndMetadata offset = committed.get(partition);
            PartitionProgress progress;
            if (offset == null) {
                progress = PartitionProgress.uncommitted(readAheadMargin);
            } else {
                progress = PartitionProgress.restored(OffsetMetadataCodec.decode(offset.offset(), offset.metadata()), readAheadMargin);
                consumer.seek(partition, offset);
            }
            OwnedPartition state = new OwnedPartition(++assignmentCounter, progress);
            state.lastCommitted = offset;
            owned.put(partition, state);
        }
        LOG.info("tracking {}", partitions);
        return true;
    }
}
