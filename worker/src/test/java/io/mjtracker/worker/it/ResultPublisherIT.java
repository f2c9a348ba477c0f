package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RecordHeaders;
import io.mjtracker.common.record.RequestRef;
import io.mjtracker.common.record.TrackingFacts;
import io.mjtracker.testkit.KafkaBroker;
import io.mjtracker.testkit.KafkaBrokerExtension;
import io.mjtracker.worker.config.TopicNames;
import io.mjtracker.worker.intake.DeadLetterReason;
import io.mjtracker.worker.publish.AbortCheck;
import io.mjtracker.worker.publish.DeadLetter;
import io.mjtracker.worker.publish.ResultPublisher;
import io.mjtracker.worker.publish.Transaction;
import io.mjtracker.worker.tracking.Completion;
import io.mjtracker.worker.tracking.TaskRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The result publisher against a real broker: a fenced producer is replaced and its work published once by the next;
 * one oversized record never stalls publishing (results are trimmed, dead letters truncated, each published once).
 */
@ExtendWith(KafkaBrokerExtension.class)
class ResultPublisherIT {

    private static final ConsumerGroupMetadata GROUP = new ConsumerGroupMetadata("publisher-it");

    private final KafkaBroker broker;
    private final RecordCodec codec = new RecordCodec();

    ResultPublisherIT(KafkaBroker broker) {
        this.broker = broker;
    }

    private ResultPublisher publisher(TestTopics topics, int maxRequestBytes) {
        return publisher(topics, maxRequestBytes, "publisher-it-" + UUID.randomUUID(), new AtomicInteger());
    }

    /** @param made counts the producers the publisher asked for */
    private ResultPublisher publisher(TestTopics topics, int maxRequestBytes, String transactionalId, AtomicInteger made) {
        ResultPublisher publisher = new ResultPublisher(() -> {
            made.incrementAndGet();
            return new KafkaProducer<>(producerConfig(transactionalId));
        }, new TopicNames(topics.input, topics.status, topics.completed, topics.deadLetter), codec, maxRequestBytes, AbortCheck.NONE);
        publisher.start(Duration.ofSeconds(30));
        return publisher;
    }

    private Map<String, Object> producerConfig(String transactionalId) {
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    }

    private static Completion hugeResult(String taskId) {
        return result(taskId, "{\"id\":\"" + taskId + "\",\"status\":\"SUCCESS\",\"imageUrl\":\"https://cdn.example/x.png\","
                + "\"prompt\":\"" + "p".repeat(200_000) + "\",\"properties\":{\"finalPrompt\":\"" + "q".repeat(50_000) + "\"}}");
    }

    /** A SUCCEEDED result of {@code taskJson}, for a request with metadata {@code {"user":"u-1"}}. */
    private static Completion result(String taskId, String taskJson) {
        TaskRequest request = new TaskRequest(taskId, "default", new RequestRef("in", 0, 7), new Header[0],
                JsonNodeFactory.instance.objectNode().put("user", "u-1"), 1L, 0, 0, 1);
        return new Completion(request, FinalResult.of(taskId, "default", Outcome.SUCCEEDED, null, taskJson,
                new TrackingFacts(1L, 2L, 3L, 4), request.source(), request.metadata()));
    }

    private static ResultPublisher.Attempt publishUntilSettled(ResultPublisher publisher, Transaction transaction) {
        ResultPublisher.Attempt attempt = null;
        for (int i = 0; i < 12 && !(attempt instanceof ResultPublisher.Attempt.Committed); i++) {
            attempt = publisher.publish(transaction, new ConsumerGroupMetadata("publisher-it"));
        }
        return attempt;
    }

    @Test
    void aFencedProducerIsReplacedAndItsWorkPublishedOnceByTheNext() {
        TestTopics topics = new TestTopics(broker);
        topics.create(1);
        String transactionalId = "publisher-it-fenced-" + UUID.randomUUID();
        AtomicInteger made = new AtomicInteger();
        try (ResultPublisher publisher = publisher(topics, 1024 * 1024, transactionalId, made)) {
            assertThat(publisher.publish(new Transaction(List.of(result("before", "{\"id\":\"before\",\"status\":\"SUCCESS\"}")), List.of(), List.of(), Map.of()), GROUP))
                    .isInstanceOf(ResultPublisher.Attempt.Committed.class);
            // A second instance started with this worker's identity (a restarted pod while the old one lives on):
            // its initTransactions fences the publisher's producer on the broker.
            try (var usurper = new KafkaProducer<byte[], byte[]>(producerConfig(transactionalId))) {
                usurper.initTransactions();
            }

            Transaction next = new Transaction(List.of(result("after", "{\"id\":\"after\",\"status\":\"SUCCESS\"}")), List.of(), List.of(), Map.of());
            var fenced = publisher.publish(next, GROUP);
            assertThat(fenced).as("the fence is found on the first attempt, and nothing of it is visible")
                    .isInstanceOfSatisfying(ResultPublisher.Attempt.Aborted.class,
                            aborted -> assertThat(aborted.reason()).startsWith("producer replaced after"));
            assertThat(made).as("a fresh producer under the same transactional id").hasValue(2);
            assertThat(publisher.publish(next, GROUP)).as("the same work, again, by the new producer")
                    .isInstanceOf(ResultPublisher.Attempt.Committed.class);

            var records = topics.read(topics.completed, 2, Duration.ofSeconds(20), Duration.ofSeconds(1));
            assertThat(records).map(record -> codec.readFinalResult(record.value()).taskId()).containsExactly("before", "after");
        }
    }

    @Test
    void aResultOverTheRecordLimitIsPublishedOnceWithItsLargestFieldsTrimmed() {
        TestTopics topics = new TestTopics(broker);
        topics.create(1);
        try (ResultPublisher publisher = publisher(topics, 16 * 1024)) {
            var attempt = publisher.publish(new Transaction(List.of(hugeResult("big")), List.of(), List.of(), Map.of()),
                    new ConsumerGroupMetadata("publisher-it"));

            assertThat(attempt).isInstanceOf(ResultPublisher.Attempt.Committed.class);
            var records = topics.read(topics.completed, 1, Duration.ofSeconds(20), Duration.ofSeconds(1));
            assertThat(records).singleElement().satisfies(record -> {
                assertThat(record.value().length).isLessThan(16 * 1024);
                FinalResult result = codec.readFinalResult(record.value());
                assertThat(result.taskTrimmed()).isTrue();
                assertThat(result.taskJson()).contains("\"status\":\"SUCCESS\"").contains("x.png").doesNotContain("ppppp");
                assertThat(result.metadata().path("user").asText()).isEqualTo("u-1");
            });
        }
    }

    @Test
    void aTopicLimitBelowTheProducersIsLearntAndTheResultStillPublishedOnce() throws Exception {
        TestTopics topics = new TestTopics(broker);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topics.completed, 1, (short) 1).configs(Map.of("max.message.bytes", "20000")),
                    new NewTopic(topics.deadLetter, 1, (short) 1))).all().get();
        }
        try (ResultPublisher publisher = publisher(topics, 1024 * 1024)) {
            var attempt = publishUntilSettled(publisher, new Transaction(List.of(hugeResult("big2")), List.of(), List.of(), Map.of()));

            assertThat(attempt).as("a few aborts while the limit is learnt, then published, never an endless retry")
                    .isInstanceOf(ResultPublisher.Attempt.Committed.class);
            var records = topics.read(topics.completed, 1, Duration.ofSeconds(20), Duration.ofSeconds(1));
            assertThat(records).singleElement().satisfies(record -> assertThat(codec.readFinalResult(record.value()).taskTrimmed()).isTrue());
        }
    }

    @Test
    void anOversizedDeadLetterKeepsATruncatedValueAndItsReason() {
        TestTopics topics = new TestTopics(broker);
        topics.create(1);
        byte[] value = "v".repeat(100_000).getBytes(StandardCharsets.UTF_8);
        var original = new ConsumerRecord<>(topics.input, 0, 42L, 0L, TimestampType.CREATE_TIME, 0, value.length, new byte[0], value,
                new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
        try (ResultPublisher publisher = publisher(topics, 16 * 1024)) {
            var attempt = publisher.publish(new Transaction(List.of(),
                    List.of(new DeadLetter(original, DeadLetterReason.TOO_LARGE, "value of 100000 bytes", 1)), List.of(), Map.of()),
                    new ConsumerGroupMetadata("publisher-it"));

            assertThat(attempt).isInstanceOf(ResultPublisher.Attempt.Committed.class);
            var records = topics.read(topics.deadLetter, 1, Duration.ofSeconds(20), Duration.ofSeconds(1));
            assertThat(records).singleElement().satisfies(record -> {
                assertThat(record.value().length).isLessThan(16 * 1024).isPositive();
                assertThat(new String(record.headers().lastHeader(RecordHeaders.DLQ_TRUNCATED).value(), StandardCharsets.UTF_8))
                        .isEqualTo("100000");
                assertThat(new String(record.headers().lastHeader(RecordHeaders.DLQ_REASON).value(), StandardCharsets.UTF_8))
                        .startsWith("too_large");
            });
        }
    }
}
