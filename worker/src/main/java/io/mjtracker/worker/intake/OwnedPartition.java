package io.mjtracker.worker.intake;

import io.mjtracker.worker.tracking.TaskRequest;
import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * A partition this worker owns under one assignment: its progress, and where each request it tracks
 * currently lives in the log (its anchor: the original record, or the latest checkpoint of it).
 */
final class OwnedPartition {

    final long assignment;
    final PartitionProgress progress;
    /** Requests taken in and not yet published, by identity, to their anchor offset. */
    final Map<TaskRequest, Long> anchors = new IdentityHashMap<>();
    /**
     * The offset and metadata last committed for the partition (null before the first): a transaction
     * leaves out partitions whose commit would not change, so that it sends only the offsets it moves.
     */
    OffsetAndMetadata lastCommitted;

    OwnedPartition(long assignment, PartitionProgress progress) {
        this.assignment = assignment;
        this.progress = progress;
    }
}
