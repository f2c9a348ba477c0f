package io.mjtracker.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Fetching the committed offsets of newly assigned partitions, where the broker withholds some of them (an open or
 * hanging transaction on the group's offsets answers a committed-offsets request for it with a timeout, and the
 * classic client fails the whole request): the others must be tracked anyway, and the held one named.
 */
class AssignmentsTest {

    private static final TopicPartition P0 = new TopicPartition("in", 0);
    private static final TopicPartition P1 = new TopicPartition("in", 1);
    private static final TopicPartition P2 = new TopicPartition("in", 2);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T10:00:00Z"));
    private final OffsetsBroker consumer = new OffsetsBroker();
    private final Assignments assignments = new Assignments(consumer, clock, 64);

    @Test
    void onePartitionHeldByAnOpenTransactionNeverHoldsTheOthers() {
        consumer.committed.put(P0, new OffsetAndMetadata(40));
        consumer.committed.put(P2, new OffsetAndMetadata(7));
        consumer.held.add(P1);
        assign(P0, P1, P2);

        assignments.fetchAwaited();
        assertThat(assignments.owned()).as("the request for all three is refused because of one").isEmpty();

        clock.advance(Duration.ofSeconds(1));
        assignments.fetchAwaited();
        assertThat(assignments.owned()).containsOnlyKeys(P0, P2);
        assertThat(consumer.position(P0)).as("read from its committed offset").isEqualTo(40);
        assertThat(consumer.position(P2)).isEqualTo(7);
        assertThat(assignments.unstable()).as("the one named as held").containsExactly(P1);
        assertThat(assignments.awaiting()).containsExactly(P1);
        assertThat(assignments.longestWaitMillis()).isEqualTo(1_000);

        clock.advance(Duration.ofMinutes(5));
        assignments.fetchAwaited();
        assertThat(assignments.longestWaitMillis()).as("what the stall metric shows").isEqualTo(301_000);

        consumer.held.remove(P1);
        consumer.committed.put(P1, new OffsetAndMetadata(12));
        clock.advance(Duration.ofSeconds(1));
        assignments.fetchAwaited();
        assertThat(assignments.owned()).containsOnlyKeys(P0, P1, P2);
        assertThat(consumer.position(P1)).isEqualTo(12);
        assertThat(assignments.unstable()).isEmpty();
        assertThat(assignments.longestWaitMillis()).isZero();
    }

    @Test
    void theBrokerIsAskedAtMostOnceASecond() {
        consumer.held.add(P0);
        assign(P0);

        assignments.fetchAwaited();
        assignments.fetchAwaited();
        clock.advance(Duration.ofMillis(999));
        assignments.fetchAwaited();
        assertThat(consumer.requests).isEqualTo(1);

        clock.advance(Duration.ofMillis(1));
        assignments.fetchAwaited();
        assertThat(consumer.requests).isEqualTo(2);
    }

    @Test
    void partitionsAssignedLaterAreAskedTogetherAndNotBehindTheHeldOne() {
        consumer.held.add(P0);
        assign(P0);
        assignments.fetchAwaited();

        assign(P1, P2);
        assignments.fetchAwaited();
        assertThat(assignments.owned()).as("a new assignment is asked at once, without the partition already refused")
                .containsOnlyKeys(P1, P2);
        assertThat(consumer.lastRequest).containsExactlyInAnyOrder(P0);
    }

    @Test
    void aPartitionWithoutCommittedOffsetIsOwnedFromWhereTheConsumerStarts() {
        assign(P0);
        assignments.fetchAwaited();

        assertThat(assignments.owned()).containsOnlyKeys(P0);
        assertThat(assignments.owned().get(P0).lastCommitted).isNull();
    }

    @Test
    void aPartitionRevokedWhileWaitingIsForgottenAndNoLongerCountsAsWaiting() {
        consumer.held.add(P1);
        assign(P0, P1);
        assignments.fetchAwaited();
        clock.advance(Duration.ofSeconds(1));
        assignments.fetchAwaited();

        assignments.forget(List.of(P1));
        clock.advance(Duration.ofSeconds(1));
        assignments.fetchAwaited();

        assertThat(assignments.awaiting()).isEmpty();
        assertThat(assignments.unstable()).isEmpty();
        assertThat(assignments.longestWaitMillis()).isZero();
        assertThat(assignments.owned()).containsOnlyKeys(P0);
    }

    @Test
    void eachOwnershipHasItsOwnAssignmentNumber() {
        assign(P0);
        assignments.fetchAwaited();
        long first = assignments.owned().get(P0).assignment;

        assignments.forget(List.of(P0));
        assign(P0);
        clock.advance(Duration.ofSeconds(1));
        assignments.fetchAwaited();

        assertThat(assignments.owned().get(P0).assignment).as("work of the first ownership is told apart").isGreaterThan(first);
    }

    private void assign(TopicPartition... partitions) {
        Set<TopicPartition> all = new HashSet<>(consumer.assignment());
        all.addAll(List.of(partitions));
        consumer.assign(all);
        assignments.assigned(List.of(partitions));
    }

    /** The committed offsets a group coordinator holds; a request naming a held partition times out as a whole. */
    private static final class OffsetsBroker extends MockConsumer<byte[], byte[]> {
        final Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        final Set<TopicPartition> held = new HashSet<>();
        int requests;
        Set<TopicPartition> lastRequest = Set.of();

        OffsetsBroker() {
            super("earliest");
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions, Duration timeout) {
            requests++;
            lastRequest = Set.copyOf(partitions);
            if (partitions.stream().anyMatch(held::contains)) {
                throw new TimeoutException("Timeout of " + timeout.toMillis() + "ms expired before the last committed offset could be determined");
            }
            Map<TopicPartition, OffsetAndMetadata> answer = new HashMap<>();
            partitions.forEach(partition -> answer.put(partition, committed.get(partition)));
            return answer;
        }
    }
}
