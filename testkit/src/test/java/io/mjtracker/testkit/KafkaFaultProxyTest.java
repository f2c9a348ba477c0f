package io.mjtracker.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The proxy's faults are the network's, as a real client sees them against a real broker. */
class KafkaFaultProxyTest {

    @Test
    void aCommitWhoseAnswerIsHeldTimesOutOnTheClientWhileTheBrokerCommits() throws Exception {
        Path dir = Files.createTempDirectory("mj-fault-proxy");
        try (ProxiedBroker proxied = ProxiedBroker.start(dir, Map.of());
                Admin admin = Admin.create(Map.of("bootstrap.servers", proxied.broker().bootstrapServers()))) {
            StandaloneBroker broker = proxied.broker();
            KafkaFaultProxy proxy = proxied.proxy();
            String topic = "held-" + UUID.randomUUID();
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            var id = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).topicId();
            byte[] idBytes = java.nio.ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array();
            proxy.holdResponsesAfter("held-producer", List.of(idBytes), KafkaFaultProxy.END_TXN, Duration.ofSeconds(4));

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ProducerConfig.CLIENT_ID_CONFIG, "held-producer",
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "held-" + UUID.randomUUID(),
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000), new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, "k", "v"));
                assertThatThrownBy(producer::commitTransaction).as("the answer is held past max.block.ms")
                        .isInstanceOf(TimeoutException.class);
                assertThat(proxy.responseHoldsStarted()).isEqualTo(1);
                // Retried as Kafka's contract says, it completes once the answer arrives.
                long start = System.nanoTime();
                while (true) {
                    try {
                        producer.commitTransaction();
                        break;
                    } catch (TimeoutException e) {
                        assertThat(System.nanoTime() - start).isLessThan(Duration.ofSeconds(20).toNanos());
                    }
                }
            }
        }
    }
}
