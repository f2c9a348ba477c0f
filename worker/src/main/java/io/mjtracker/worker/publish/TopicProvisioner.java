package io.mjtracker.worker.publish;

import io.mjtracker.worker.config.KafkaSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Checks the broker is reachable and creates the worker's topics where missing, at start. */
public final class TopicProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    private final KafkaSettings kafka;
    private final Map<String, Object> adminConfig;
    private final Duration timeout;

    public TopicProvisioner(KafkaSettings kafka, Map<String, Object> adminConfig, Duration timeout) {
        this.kafka = kafka;
        this.adminConfig = adminConfig;
        this.timeout = timeout;
    }

    /**
     * @throws IllegalStateException with a message naming KAFKA_BOOTSTRAP_SERVERS when the broker does
     *     not answer in time, or naming the topic when it cannot be created
     */
    public void ensureTopics() {
        try (Admin admin = Admin.create(adminConfig)) {
            Set<String> existing;
            try {
                admin.describeCluster().clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("Kafka is not reachable at KAFKA_BOOTSTRAP_SERVERS=" + kafka.bootstrapServers()
                        + " (no answer within " + timeout.toSeconds() + "s)", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("Kafka at KAFKA_BOOTSTRAP_SERVERS=" + kafka.bootstrapServers()
                        + " refused the worker: " + e.getCause().getMessage(), e.getCause());
            }
            List<NewTopic> missing = new ArrayList<>();
            var topics = kafka.topics();
            for (String name : List.of(topics.input(), topics.status(), topics.completed(), topics.deadLetter())) {
                if (!existing.contains(name)) {
                    missing.add(new NewTopic(name, Optional.of(kafka.topicPartitions()), kafka.topicReplication()));
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    LOG.info("created topic {}", entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey() + ": " + e.getCause().getMessage(), e.getCause());
                    }
                } catch (TimeoutException e) {
                    throw new IllegalStateException("creating topic " + entry.getKey() + " timed out", e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking Kafka topics", e);
        }
    }
}
