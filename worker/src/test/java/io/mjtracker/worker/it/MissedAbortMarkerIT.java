package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RequestRef;
import io.mjtracker.common.record.TrackingFacts;
import io.mjtracker.testkit.EmbeddedKafkaCluster;
import io.mjtracker.worker.config.TopicNames;
import io.mjtracker.worker.intake.MissedAbortMarkers;
import io.mjtracker.worker.intake.WrittenPartitions;
import io.mjtracker.worker.publish.ResultPublisher;
import io.mjtracker.worker.publish.Transaction;
import io.mjtracker.worker.tracking.Completion;
import io.mjtracker.worker.tracking.TaskRequest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * An abort whose marker the coordinator missed, made on purpose on a real three-broker cluster: the results
 * partition has its only replica on one broker, that broker is stopped after the transaction's result landed
 * there, and the transaction is aborted while the partition has no leader. The coordinator completes the
 * abort without that partition's marker, so the aborted result stays open there. Without the check, the
 * worker's next transaction on the partition joins it and the result is published twice.
 */
class MissedAbortMarkerIT {

    private static final ConsumerGroupMetadata GROUP = new ConsumerGroupMetadata("missed-marker-it");
    private final RecordCodec codec = new RecordCodec();

    @Test
    void anAbortWhoseMarkerWasMissedIsEndedBeforeTheNextTransactionCouldPublishItsResultAgain() throws Exception {
        try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.startThreeBrokers(Map.of());
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            TestTopics topics = new TestTopics(cluster);
            int lonely = cluster.brokerIds().stream().max(Integer::compare).orElseThrow();
            admin.createTopics(List.of(new NewTopic(topics.input, 1, (short) 3), new NewTopic(topics.status, 1, (short) 3),
                    new NewTopic(topics.deadLetter, 1, (short) 3),
                    new NewTopic(topics.completed, Map.of(0, List.of(lonely))).configs(Map.of("min.insync.replicas", "1")))).all().get();
            String transactionalId = "mj-tracker-" + topics.group + "-it";
            AtomicReference<Runnable> beforeCommit = new AtomicReference<>();
            try (MissedAbortMarkers check = new MissedAbortMarkers(admin, new WrittenPartitions(admin, GROUP.groupId(),
                    List.of(topics.completed, topics.deadLetter, topics.input), Duration.ofSeconds(10)), transactionalId, Clock.systemUTC());
                    ResultPublisher publisher = new ResultPublisher(
                            () -> failingCommitWhenAsked(new KafkaProducer<>(producerConfig(cluster, transactionalId)), beforeCommit),
                            new TopicNames(topics.input, topics.status, topics.completed, topics.deadLetter), codec, 1_048_576, check)) {
                publisher.start(Duration.ofSeconds(30));
                assertThat(publisher.publish(results("t-1"), GROUP)).isInstanceOf(ResultPublisher.Attempt.Committed.class);

                beforeCommit.set(() -> cluster.stopBroker(lonely));
                assertThat(publisher.publish(results("t-2"), GROUP)).isInstanceOf(ResultPublisher.Attempt.Aborted.class);
                beforeCommit.set(null);
                cluster.startBroker(lonely);

                await().atMost(Duration.ofSeconds(90)).until(() -> !publisher.checkingAbort());
                assertThat(check.aborted()).as("the coordinator missed the marker on the leaderless partition, and the check wrote it")
                        .isEqualTo(1);
                await().atMost(Duration.ofSeconds(60)).until(() -> !publisher.checkingAbort()
                        && publisher.publish(results("t-2"), GROUP) instanceof ResultPublisher.Attempt.Committed);
            }

            List<String> published = topics.readAll(topics.completed, Duration.ofSeconds(30)).stream()
                    .map(MissedAbortMarkerIT::taskId).toList();
            assertThat(published).containsExactly("t-1", "t-2");
        }
    }

    private static String taskId(ConsumerRecord<byte[], byte[]> record) {
        return new String(record.key(), StandardCharsets.UTF_8);
    }

    private static Map<String, Object> producerConfig(EmbeddedKafkaCluster cluster, String transactionalId) {
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    }

    /**
     * The producer, except that while {@code fault} holds an action, a commit first waits for the transaction's
     * records to land, runs it, and fails as an abortable error would: the publisher then aborts.
     */
    @SuppressWarnings("unchecked")
    private static Producer<byte[], byte[]> failingCommitWhenAsked(Producer<byte[], byte[]> producer, AtomicReference<Runnable> fault) {
        return (Producer<byte[], byte[]>) Proxy.newProxyInstance(Producer.class.getClassLoader(), new Class<?>[] {Producer.class},
                (proxy, method, args) -> {
                    Runnable action = fault.get();
                    if (action != null && method.getName().equals("commitTransaction")) {
                        producer.flush();
                        action.run();
                        throw new KafkaException("injected: the commit failed after the transaction's records landed");
                    }
                    try {
                        return method.invoke(producer, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static Transaction results(String taskId) {
        TaskRequest request = new TaskRequest(taskId, "default", new RequestRef("in", 0, 7), new Header[0],
                JsonNodeFactory.instance.objectNode(), 1L, 0, 0, 1);
        Completion completion = new Completion(request, FinalResult.of(taskId, "default", Outcome.SUCCEEDED, null,
                "{\"id\":\"" + taskId + "\"}", new TrackingFacts(1L, 2L, 3L, 4), request.source(), request.metadata()));
        return new Transaction(List.of(completion), List.of(), List.of(), Map.of());
    }
}
