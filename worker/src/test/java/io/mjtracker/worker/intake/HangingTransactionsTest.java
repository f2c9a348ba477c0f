package io.mjtracker.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.worker.intake.HangingTransactions.Owner;
import io.mjtracker.worker.intake.HangingTransactions.Verdict;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Which open transactions on the group's offsets the worker aborts, and which it leaves to an operator. */
class HangingTransactionsTest {

    private static final String PREFIX = "mj-tracker-orders-";
    private static final String OWN = PREFIX + "pod-0";
    private static final long NOW = 1_000_000_000L;
    private static final TopicPartition OFFSETS = new TopicPartition("__consumer_offsets", 7);

    private static ProducerState open(long producerId, int epoch, long lastWrittenMillisAgo) {
        return new ProducerState(producerId, epoch, 3, NOW - lastWrittenMillisAgo, OptionalInt.of(2), OptionalLong.of(12_345));
    }

    private static Optional<Owner> owner(String transactionalId, long producerId, int epoch, TransactionState state) {
        return owner(transactionalId, producerId, epoch, state, Set.of());
    }

    private static Optional<Owner> owner(String transactionalId, long producerId, int epoch, TransactionState state,
            Set<TopicPartition> partitions) {
        return Optional.of(new Owner(transactionalId,
                new TransactionDescription(1, state, producerId, epoch, 10_000, OptionalLong.empty(), partitions)));
    }

    @Test
    void aTransactionOfThisGroupsProducerAtAnEpochItsCoordinatorMovedPastIsAborted() {
        // The case: the partition holds producer 4 at epoch 73 open; its coordinator says Empty at epoch 86.
        Verdict verdict = HangingTransactions.verdict(OFFSETS, open(4, 73, 120_000), owner(PREFIX + "pod-1", 4, 86, TransactionState.EMPTY), PREFIX, OWN, NOW);
        assertThat(verdict).isEqualTo(new Verdict.Abort(PREFIX + "pod-1"));
    }

    @Test
    void aLaterLiveTransactionOfTheSameProducerElsewhereDoesNotKeepADeadOneAlive() {
        assertThat(HangingTransactions.verdict(OFFSETS, open(4, 73, 120_000),
                owner(PREFIX + "pod-1", 4, 86, TransactionState.ONGOING, Set.of(new TopicPartition("out", 0))), PREFIX, OWN, NOW))
                .isInstanceOf(Verdict.Abort.class);
    }

    @Test
    void aTransactionItsCoordinatorStillHoldsOnThePartitionOrAtTheSameEpochIsLeftToIt() {
        assertThat(HangingTransactions.verdict(OFFSETS, open(4, 86, 120_000), owner(PREFIX + "pod-1", 4, 86, TransactionState.COMPLETE_ABORT), PREFIX, OWN, NOW))
                .as("same epoch: the coordinator has not moved past it").isInstanceOf(Verdict.Report.class);
        assertThat(HangingTransactions.verdict(OFFSETS, open(4, 73, 120_000),
                owner(PREFIX + "pod-1", 4, 86, TransactionState.ONGOING, Set.of(OFFSETS)), PREFIX, OWN, NOW))
                .as("a live transaction on the partition").isInstanceOf(Verdict.Report.class);
    }

    @Test
    void aYoungTransactionIsWaitedFor() {
        assertThat(HangingTransactions.verdict(OFFSETS, open(4, 73, 5_000), owner(PREFIX + "pod-1", 4, 86, TransactionState.EMPTY), PREFIX, OWN, NOW))
                .isInstanceOf(Verdict.Wait.class);
    }

    @Test
    void theWorkersOwnDeadTransactionIsAbortedAtOnceSinceItsFirstCommitWouldJoinIt() {
        assertThat(HangingTransactions.verdict(OFFSETS, open(4, 73, 1_000), owner(OWN, 4, 74, TransactionState.EMPTY), PREFIX, OWN, NOW))
                .isEqualTo(new Verdict.Abort(OWN));
    }

    @Test
    void anotherApplicationsOrAnUnknownProducersTransactionIsOnlyReported() {
        assertThat(HangingTransactions.verdict(OFFSETS, open(9, 1, 120_000), owner("billing-app-1", 9, 5, TransactionState.EMPTY), PREFIX, OWN, NOW))
                .isInstanceOfSatisfying(Verdict.Report.class, report -> assertThat(report.why()).contains("billing-app-1"));
        assertThat(HangingTransactions.verdict(OFFSETS, open(9, 1, 120_000), Optional.empty(), PREFIX, OWN, NOW)).isInstanceOf(Verdict.Report.class);
        assertThat(HangingTransactions.verdict(OFFSETS, open(9, 1, 120_000), owner(PREFIX + "pod-2", 10, 5, TransactionState.EMPTY), PREFIX, OWN, NOW))
                .as("the id moved to another producer id").isInstanceOf(Verdict.Report.class);
    }

    @Test
    void theGroupsOffsetsPartitionFollowsKafkasRule() {
        // Utils.abs(groupId.hashCode()) % partitions, as the group coordinator places a group.
        assertThat(WrittenPartitions.offsetsPartitionOf("mj-tracker", 50)).isEqualTo(Math.abs("mj-tracker".hashCode()) % 50);
        assertThat(WrittenPartitions.offsetsPartitionOf("polygenelubricants", 50))
                .as("a group id whose hash is Integer.MIN_VALUE").isZero();
    }
}
