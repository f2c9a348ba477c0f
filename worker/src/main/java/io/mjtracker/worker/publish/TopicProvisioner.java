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

/**
 * Checks the broker is reachable and creates the worker's topics where missing, at start. A broker that
 * does not answer is waited for, with a warning per attempt, up to a patience of minutes: a worker
 * restarted during a broker outage then starts when the broker returns instead of crash-looping.
 */
public final class TopicProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    /** How long the hints topic keeps a hint: far longer than one is worth, far shorter than the data topics. */
    public static final Duration HINTS_RETENTION = Duration.ofMinutes(10);

    private final KafkaSettings kafka;
    private final Map<String, Object> adminConfig;
    private final Duration timeout;
    private final Duration patience;
    private final String hintsTopic;

    /**
     * @param timeout bound on one attempt to reach the broker
     * @param patience how long to keep trying before giving up with a message naming KAFKA_BOOTSTRAP_SERVERS
     * @param hintsTopic the hints topic where a profile takes hooks, else null
     */
    public TopicProvisioner(KafkaSettings kafka, Map<String, Object> adminConfig, Duration timeout, Duration patience,
            String hintsTopic) {
        this.kafka = kafka;
        this.hintsTopic = hintsTopic;
        this.adminConfig = adminConfig;
        this.timeout = timeout;
        this.patience = patience;
    }

    /**
     * @throws IllegalStateException with a message naming KAFKA_BOOTSTRAP_SERVERS when the broker does
     *     not answer in time, or naming the topic when it cannot be created
     */
    public void ensureTopics() {
        try (Admin admin = Admin.create(adminConfig)) {
            Set<String> existing = null;
            long deadline = System.nanoTime() + patience.toNanos();
            while (existing == null) {
                existing = topicsIfReachable(admin, deadline);
            }
            createMissing(admin, existing);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking Kafka topics", e);
        }
    }

    /**
     * The broker's topics, or null where it did not answer within {@code timeout} but may still within
     * the patience (a worker restarted during a broker outage waits for the broker rather than exiting).
     */
    private Set<String> topicsIfReachable(Admin admin, long deadline) throws InterruptedException {
        try {
            admin.describeCluster().clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("Kafka is not reachable at KAFKA_BOOTSTRAP_SERVERS=" + kafka.bootstrapServers()
                        + " (no answer within " + patience.toSeconds() + "s)", e);
            }
            LOG.warn("Kafka is not reachable at KAFKA_BOOTSTRAP_SERVERS={} yet; waiting for it (up to {}s in all)",
                    kafka.bootstrapServers(), patience.toSeconds());
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka at KAFKA_BOOTSTRAP_SERVERS=" + kafka.bootstrapServers()
                    + " refused the worker: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private void createMissing(Admin admin, Set<String> existing) throws InterruptedException {
        List<NewTopic> missing = new ArrayList<>();
        var topics = kafka.topics();
        for (String name : List.of(topics.input(), topics.status(), topics.completed(), topics.deadLetter())) {
            if (!existing.contains(name)) {
                missing.add(new NewTopic(name, Optional.of(kafka.topicPartitions()), kafka.topicReplication()));
            }
        }
        if (hintsTopic != null && !existing.contains(hintsTopic)) {
            // Hints are worth seconds: a short retention keeps the topic small whatever the hook traffic.
            missing.add(new NewTopic(hintsTopic, Optional.of(kafka.topicPartitions()), kafka.topicReplication())
                    .configs(Map.of("retention.ms", Long.toString(HINTS_RETENTION.toMillis()))));
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
    }
}
