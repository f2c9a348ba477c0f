package io.mjtracker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Proves the fixture's broker supports what the worker relies on: groups, transactions, offset metadata. */
@ExtendWith(KafkaBrokerExtension.class)
class BrokerSmokeTest {

    private final KafkaBroker broker;

    BrokerSmokeTest(KafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void committedTransactionIsVisibleAndAbortedOneIsNot() throws Exception {
        String topic = "smoke-" + UUID.randomUUID();
        createTopic(topic);
        try (KafkaProducer<String, String> producer = transactionalProducer()) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "committed"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "aborted"));
            producer.abortTransaction();
        }

        assertThat(readAll(topic, "reader-" + UUID.randomUUID(), 1)).containsExactly("committed");
    }

    @Test
    void offsetsSentInATransactionAreCommittedWithTheirMetadata() throws Exception {
        String input = "smoke-in-" + UUID.randomUUID();
        String output = "smoke-out-" + UUID.randomUUID();
        String group = "smoke-group-" + UUID.randomUUID();
        createTopic(input);
        createTopic(output);
        try (KafkaProducer<String, String> producer = plainProducer()) {
            producer.send(new ProducerRecord<>(input, "a", "1"));
            producer.send(new ProducerRecord<>(input, "b", "2")).get();
        }

        TopicPartition partition = new TopicPartition(input, 0);
        try (KafkaConsumer<String, String> consumer = consumer(group);
                KafkaProducer<String, String> producer = transactionalProducer()) {
            producer.initTransactions();
            consumer.subscribe(List.of(input));
            List<ConsumerRecord<String, String>> seen = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seen.size() < 2 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
            assertThat(seen).hasSize(2);
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(output, "a", "processed"));
            producer.sendOffsetsToTransaction(
                    Map.of(partition, new OffsetAndMetadata(2, "done-above:none")), consumer.groupMetadata());
            producer.commitTransaction();
        }

        try (Admin admin = admin()) {
            OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get().get(partition);
            assertThat(committed.offset()).isEqualTo(2);
            assertThat(committed.metadata()).isEqualTo("done-above:none");
        }
        assertThat(readAll(output, "reader-" + UUID.randomUUID(), 1)).containsExactly("processed");
    }

    private List<String> readAll(String topic, String group, int expected) {
        try (KafkaConsumer<String, String> consumer = consumer(group)) {
            consumer.subscribe(List.of(topic));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            // Keep reading a little after the expected count so an unexpected extra record would show.
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                if (values.size() >= expected && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                }
            }
            return values;
        }
    }

    private void createTopic(String topic) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(Set.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private KafkaProducer<String, String> plainProducer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
    }

    private KafkaProducer<String, String> transactionalProducer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "smoke-tx-" + UUID.randomUUID()),
                new StringSerializer(), new StringSerializer());
    }

    private KafkaConsumer<String, String> consumer(String group) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase(java.util.Locale.ROOT)),
                new StringDeserializer(), new StringDeserializer());
    }
}
