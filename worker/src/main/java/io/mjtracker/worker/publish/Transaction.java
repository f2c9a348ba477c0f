package io.mjtracker.worker.publish;

import io.mjtracker.worker.tracking.Completion;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** What one result transaction writes: results, dead letters, checkpoints and the input offsets they complete. */
public record Transaction(
        List<Completion> results,
        List<DeadLetter> deadLetters,
        List<Checkpoint> checkpoints,
        Map<TopicPartition, OffsetAndMetadata> offsets) {

    public boolean writesNothing() {
        return results.isEmpty() && deadLetters.isEmpty() && checkpoints.isEmpty();
    }
}
