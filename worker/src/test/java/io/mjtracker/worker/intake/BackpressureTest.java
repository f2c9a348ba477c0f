package io.mjtracker.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.worker.config.TrackingSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Which partitions pause, and when they resume: the consumer's own pause state is what is checked. */
class BackpressureTest {

    private static final TopicPartition P0 = new TopicPartition("in", 0);
    private static final TopicPartition P1 = new TopicPartition("in", 1);

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
    private final Backpressure backpressure = new Backpressure(consumer,
            new TrackingSettings(10, 9, 64, Duration.ofHours(1), Duration.ofMinutes(2), 5, 1.0, Duration.ofMinutes(2)));
    private final Map<TopicPartition, OwnedPartition> owned = new HashMap<>();

    BackpressureTest() {
        consumer.assign(List.of(P0, P1));
        owned.put(P0, new OwnedPartition(1, PartitionProgress.restored(OffsetMetadataCodec.Window.nothingDoneAbove(0), 500)));
        owned.put(P1, new OwnedPartition(2, PartitionProgress.restored(OffsetMetadataCodec.Window.nothingDoneAbove(0), 500)));
    }

    @Test
    void everyPartitionPausesAtTheCapAndResumesOnlyBelowTheResumeMark() {
        backpressure.apply(10, owned, Set.of(), Set.of());
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1);

        backpressure.apply(9, owned, Set.of(), Set.of());
        assertThat(consumer.paused()).as("9 open is not below the resume mark of 9").containsExactlyInAnyOrder(P0, P1);

        backpressure.apply(8, owned, Set.of(), Set.of());
        assertThat(consumer.paused()).isEmpty();
    }

    @Test
    void aCapOfOneResumesWhenNothingIsOpen() {
        Backpressure single = new Backpressure(consumer, new TrackingSettings(1, 1, 64, Duration.ofHours(1), Duration.ofMinutes(2), 5, 1.0, Duration.ofMinutes(2)));
        single.apply(1, owned, Set.of(), Set.of());
        assertThat(consumer.paused()).hasSize(2);
        single.apply(0, owned, Set.of(), Set.of());
        assertThat(consumer.paused()).isEmpty();
    }

    @Test
    void onlyThePartitionWhoseWindowIsFullOrWhoseOffsetIsUnknownPauses() {
        PartitionProgress full = owned.get(P0).progress;
        for (long offset = 0; offset < OffsetMetadataCodec.MAX_DENSE_SPAN - 500; offset++) {
            full.arrive(offset);
        }
        backpressure.apply(0, Map.of(P0, owned.get(P0)), Set.of(P1), Set.of());
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1);

        full.done(0);
        backpressure.apply(0, owned, Set.of(), Set.of());
        assertThat(consumer.paused()).isEmpty();
    }

    @Test
    void aPartitionATransactionInDoubtWroteCheckpointsToStaysPausedUntilItSettles() {
        backpressure.apply(0, owned, Set.of(), Set.of(P0));
        assertThat(consumer.paused()).as("its checkpoint may be committed already: not read before the commit is known")
                .containsExactly(P0);

        backpressure.apply(0, owned, Set.of(), Set.of());
        assertThat(consumer.paused()).isEmpty();
    }

    @Test
    void aPartitionNoLongerOwnedIsNotPausedForATransactionInDoubt() {
        backpressure.apply(0, Map.of(P1, owned.get(P1)), Set.of(), Set.of(P0));
        assertThat(consumer.paused()).isEmpty();
    }
}
