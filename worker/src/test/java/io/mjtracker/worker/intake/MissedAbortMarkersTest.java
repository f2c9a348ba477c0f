package io.mjtracker.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.worker.intake.MissedAbortMarkers.Action;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Which of this worker's open transactions found after an abort it ends, and which it leaves. */
class MissedAbortMarkersTest {

    private static final TopicPartition RESULTS = new TopicPartition("completed", 3);
    private static final TopicPartition OFFSETS = new TopicPartition("__consumer_offsets", 7);

    @Test
    void aTransactionOpenOnlyPastWhatThisWorkerCommittedThereHoldsAbortedRecordsAndIsEnded() {
        assertThat(MissedAbortMarkers.action(RESULTS, 120, Map.of(RESULTS, 99L), Map.of(RESULTS, 120L))).isEqualTo(Action.ABORT);
        assertThat(MissedAbortMarkers.action(RESULTS, 0, Map.of(), Map.of(RESULTS, 0L)))
                .as("nothing committed there in this run").isEqualTo(Action.ABORT);
        assertThat(MissedAbortMarkers.action(RESULTS, 120, Map.of(RESULTS, 99L), Map.of()))
                .as("the aborted send's answer was lost, so its offset is unknown").isEqualTo(Action.ABORT);
    }

    @Test
    void aTransactionOpenSinceACommittedOneIsLeftForTheNextToCommit() {
        assertThat(MissedAbortMarkers.action(RESULTS, 90, Map.of(RESULTS, 99L), Map.of())).isEqualTo(Action.LEAVE_COMMITTED);
        assertThat(MissedAbortMarkers.action(RESULTS, 99, Map.of(RESULTS, 99L), Map.of(new TopicPartition("completed", 4), 5L)))
                .as("the aborted transaction wrote elsewhere").isEqualTo(Action.LEAVE_COMMITTED);
    }

    @Test
    void oneHoldingCommittedAndAbortedRecordsIsLeftRatherThanLoseCommittedResults() {
        assertThat(MissedAbortMarkers.action(RESULTS, 90, Map.of(RESULTS, 99L), Map.of(RESULTS, 100L))).isEqualTo(Action.LEAVE_MIXED);
    }

    @Test
    void onTheGroupsOffsetsPartitionItIsEndedWhateverItHolds() {
        assertThat(MissedAbortMarkers.action(OFFSETS, 5, Map.of(OFFSETS, 99L), Map.of())).isEqualTo(Action.ABORT);
    }
}
