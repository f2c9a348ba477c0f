package io.mjtracker.worker.intake;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
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

    private final Consumer<?, ?> consumer;
    private final Clock clock;
    private final int readAheadMargin;
    private final Map<TopicPartition, OwnedPartition> owned = new HashMap<>();
    private final Set<TopicPartition> awaiting = new HashSet<>();
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

    /** Partitions just assigned: their committed offsets are fetched next. */
    void assigned(Collection<TopicPartition> partitions) {
        awaiting.addAll(partitions);
        lastFetchMillis = 0;
    }

    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(owned::remove);
        awaiting.removeAll(partitions);
    }

    /**
     * Reads the committed offsets of partitions just assigned. A previous owner's open transaction makes
     * the broker withhold them until it ends (commits, aborts or times out); the partitions wait, paused,
     * and every other partition keeps working.
     */
    void fetchAwaited() {
        long now = clock.millis();
        if (awaiting.isEmpty() || now - lastFetchMillis < OFFSET_FETCH_RETRY.toMillis()) {
            return;
        }
        lastFetchMillis = now;
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = consumer.committed(new HashSet<>(awaiting), OFFSET_FETCH_TIMEOUT);
        } catch (WakeupException e) {
            return; // stop() woke the fetch; the loop condition decides
        } catch (TimeoutException e) {
            if (now - lastReportMillis >= WAITING_REPORT_INTERVAL.toMillis()) {
                lastReportMillis = now;
                LOG.warn("partitions {} wait for their committed offsets: the broker withholds them while a previous "
                        + "owner's transaction on them is open (it ends within the transaction timeout) or while it is "
                        + "unreachable; the other partitions keep working", awaiting);
            }
            return;
        }
        for (TopicPartition partition : List.copyOf(awaiting)) {
            OffsetAndMetadata offset = committed.get(partition);
            PartitionProgress progress;
            if (offset == null) {
                progress = PartitionProgress.uncommitted(readAheadMargin);
            } else {
                progress = PartitionProgress.restored(OffsetMetadataCodec.decode(offset.offset(), offset.metadata()), readAheadMargin);
                consumer.seek(partition, offset);
            }
            owned.put(partition, new OwnedPartition(++assignmentCounter, progress));
            awaiting.remove(partition);
        }
        LOG.info("tracking {}", committed.keySet());
    }
}
