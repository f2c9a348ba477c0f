package io.mjtracker.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mjtracker.testkit.MutableClock;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminResults;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The check after an abort against an Admin that answers as a cluster would, one partition at a time: a
 * partition without a leader never answers, and must hold neither the look at the others nor publishing for
 * longer than the check's patience.
 */
class MissedAbortMarkersLookTest {

    private static final String OWN = "mj-tracker-g-pod-0";
    private static final String RESULTS = "completed";
    private static final long PRODUCER_ID = 7;
    private static final TopicPartition FIRST = new TopicPartition(RESULTS, 0);
    private static final TopicPartition SECOND = new TopicPartition(RESULTS, 1);

    private final Set<TopicPartition> leaderless = ConcurrentHashMap.newKeySet();
    private final Map<TopicPartition, ProducerState> open = new ConcurrentHashMap<>();
    private final List<TopicPartition> markersWritten = new CopyOnWriteArrayList<>();
    private final AtomicInteger producerLooks = new AtomicInteger();
    private volatile TransactionState coordinator = TransactionState.COMPLETE_ABORT;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T11:00:00Z"));
    private final Admin admin = cluster();
    private final MissedAbortMarkers check = new MissedAbortMarkers(admin,
            new WrittenPartitions(admin, "g", List.of(RESULTS), Duration.ofMillis(200)), OWN, clock);

    @AfterEach
    void close() {
        check.close();
    }

    /** An Admin for one results topic of two partitions, no group offsets yet, and this worker's transactional id. */
    private Admin cluster() {
        return (Admin) Proxy.newProxyInstance(Admin.class.getClassLoader(), new Class<?>[] {Admin.class}, (proxy, method, args) ->
                switch (method.getName()) {
                    case "describeTransactions" -> AdminResults.transaction(OWN, KafkaFuture.completedFuture(
                            new TransactionDescription(1, coordinator, PRODUCER_ID, 9, 10_000, OptionalLong.empty(), Set.of())));
                    case "describeTopics" -> {
                        Map<String, KafkaFuture<TopicDescription>> byName = new HashMap<>();
                        for (Object topic : (Collection<?>) args[0]) {
                            byName.put((String) topic, RESULTS.equals(topic)
                                    ? KafkaFuture.completedFuture(new TopicDescription(RESULTS, false, List.of(info(0), info(1))))
                                    : failed(new UnknownTopicOrPartitionException("no such topic")));
                        }
                        yield AdminResults.topics(byName);
                    }
                    case "describeProducers" -> {
                        producerLooks.incrementAndGet();
                        Map<TopicPartition, KafkaFuture<PartitionProducerState>> byPartition = new HashMap<>();
                        for (Object asked : (Collection<?>) args[0]) {
                            TopicPartition partition = (TopicPartition) asked;
                            ProducerState state = open.get(partition);
                            byPartition.put(partition, leaderless.contains(partition) ? new KafkaFutureImpl<>()
                                    : KafkaFuture.completedFuture(new PartitionProducerState(state == null ? List.of() : List.of(state))));
                        }
                        yield AdminResults.producers(byPartition);
                    }
                    case "abortTransaction" -> {
                        TopicPartition partition = ((AbortTransactionSpec) args[0]).topicPartition();
                        markersWritten.add(partition);
                        open.remove(partition);
                        yield AdminResults.aborted(partition);
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static TopicPartitionInfo info(int partition) {
        Node node = new Node(1, "localhost", 9092);
        return new TopicPartitionInfo(partition, node, List.of(node), List.of(node));
    }

    private static <T> KafkaFuture<T> failed(RuntimeException why) {
        KafkaFutureImpl<T> future = new KafkaFutureImpl<>();
        future.completeExceptionally(why);
        return future;
    }

    /** The aborted transaction, still open on {@code partition} from {@code offset}: its marker was missed. */
    private void openSince(TopicPartition partition, long offset) {
        open.put(partition, new ProducerState(PRODUCER_ID, 8, 3, 0, OptionalInt.of(0), OptionalLong.of(offset)));
    }

    @Test
    void aPartitionWithoutALeaderHoldsNeitherTheLookAtTheOthersNorPublishingOnceItHasOne() {
        leaderless.add(FIRST);
        openSince(SECOND, 5);

        check.afterAbort(Map.of(), Map.of(SECOND, 5L));

        await().atMost(Duration.ofSeconds(5)).until(() -> markersWritten.contains(SECOND));
        assertThat(check.running()).as("publishing waits while the first partition is unseen").isTrue();
        leaderless.remove(FIRST);
        await().atMost(Duration.ofSeconds(5)).until(() -> !check.running());
        assertThat(markersWritten).containsExactly(SECOND);
        assertThat(check.aborted()).isEqualTo(1);
    }

    @Test
    void aPartitionThatStaysWithoutALeaderIsGivenUpAfterThePatienceAndPublishingGoesOn() {
        leaderless.add(FIRST);
        check.afterAbort(Map.of(), Map.of());
        await().atMost(Duration.ofSeconds(5)).until(() -> producerLooks.get() >= 2);
        assertThat(check.running()).isTrue();

        clock.advance(MissedAbortMarkers.PATIENCE);

        await().atMost(Duration.ofSeconds(5)).until(() -> !check.running());
    }

    @Test
    void nothingIsLookedAtBeforeTheCoordinatorHasFinishedTheAbort() {
        coordinator = TransactionState.PREPARE_ABORT;
        openSince(SECOND, 5);
        check.afterAbort(Map.of(), Map.of(SECOND, 5L));

        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2)).until(() -> producerLooks.get() == 0);
        coordinator = TransactionState.COMPLETE_ABORT;

        await().atMost(Duration.ofSeconds(5)).until(() -> !check.running());
        assertThat(markersWritten).containsExactly(SECOND);
    }
}
