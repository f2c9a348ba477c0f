package io.mjtracker.worker.check;

import io.mjtracker.worker.config.KafkaSettings;
import io.mjtracker.worker.publish.KafkaClientSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Asks Kafka, with the worker's own client settings (pass-through security settings included), what
 * the worker needs: the cluster, its four topics and a transactional producer of its own prefix.
 */
final class KafkaProbe {

    private final KafkaSettings kafka;
    private final KafkaClientSettings clients;
    private final Duration timeout;

    KafkaProbe(KafkaSettings kafka, Duration timeout) {
        this.kafka = kafka;
        this.clients = new KafkaClientSettings(kafka);
        this.timeout = timeout;
    }

    List<Finding> run() throws InterruptedException {
        List<Finding> findings = new ArrayList<>();
        Map<String, Object> adminConfig = clients.admin();
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        adminConfig.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (Admin admin = Admin.create(adminConfig)) {
            Finding cluster = cluster(admin);
            findings.add(cluster);
            if (cluster.verdict() != Finding.Verdict.OK) {
                findings.add(Finding.skipped("topics", "Kafka not reachable"));
                findings.add(Finding.skipped("group", "Kafka not reachable"));
                findings.add(Finding.skipped("transactions", "Kafka not reachable"));
                return findings;
            }
            findings.add(topics(admin));
            findings.add(group(admin));
        }
        findings.add(transactions());
        return findings;
    }

    private Finding cluster(Admin admin) throws InterruptedException {
        try {
            var description = admin.describeCluster();
            String id = description.clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            int brokers = description.nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
            return Finding.ok("kafka", "reachable at " + kafka.bootstrapServers() + " (cluster " + id + ", " + brokers
                    + (brokers == 1 ? " broker)" : " brokers)"));
        } catch (TimeoutException e) {
            return unreachable();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException
                    || e.getCause() instanceof org.apache.kafka.common.errors.RetriableException) {
                // The admin client's own deadline can pass before ours: still no answer, not a refusal.
                return unreachable();
            }
            return Finding.failed("kafka", kafka.bootstrapServers() + " refused: " + e.getCause().getMessage(),
                    "check the KAFKA_SASL_* / KAFKA_SSL_* settings and the principal's ACLs (Describe on the cluster)");
        }
    }

    private Finding unreachable() {
        return Finding.failed("kafka", "no answer from " + kafka.bootstrapServers() + " within " + timeout.toSeconds() + " s",
                "check KAFKA_BOOTSTRAP_SERVERS, the network path, and KAFKA_SECURITY_PROTOCOL (a TLS listener "
                        + "does not answer plaintext)");
    }

    private Finding topics(Admin admin) throws InterruptedException {
        var names = kafka.topics();
        List<String> parts = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> all = List.of(names.input(), names.status(), names.completed(), names.deadLetter());
        var described = admin.describeTopics(all).topicNameValues();
        for (String name : all) {
            try {
                TopicDescription topic = described.get(name).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                parts.add(name + " " + topic.partitions().size());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    parts.add(name + " will be created (" + kafka.topicPartitions() + ")");
                } else {
                    problems.add(name + ": " + e.getCause().getMessage());
                }
            } catch (TimeoutException e) {
                problems.add(name + ": no answer within " + timeout.toSeconds() + " s");
            }
        }
        if (!problems.isEmpty()) {
            return Finding.failed("topics", String.join("; ", problems),
                    "the principal needs Describe on the four topics (and Create where they are missing)");
        }
        return Finding.ok("topics", "partitions: " + String.join(", ", parts));
    }

    /** Describing the group needs what joining it needs: Read (which implies Describe) on the group. */
    private Finding group(Admin admin) throws InterruptedException {
        String group = kafka.groupId();
        try {
            var description = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (description.groupState() == GroupState.DEAD) {
                return notCreatedYet(group);
            }
            return Finding.ok("group", group + ": allowed; " + description.groupState().toString().toLowerCase(Locale.ROOT)
                    + ", " + description.members().size() + " member(s)");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) { // what Kafka 4 answers for a group never joined
                return notCreatedYet(group);
            }
            if (e.getCause() instanceof AuthorizationException) {
                return Finding.failed("group", "not allowed to use consumer group " + group + ": " + e.getCause().getMessage(),
                        "grant Read on the group " + group + " (TRACKER_GROUP_ID)");
            }
            return Finding.failed("group", group + ": " + e.getCause().getMessage(), "check the broker's group coordinator");
        } catch (TimeoutException e) {
            return Finding.failed("group", group + ": no answer within " + timeout.toSeconds() + " s", "check the broker's group coordinator");
        }
    }

    private static Finding notCreatedYet(String group) {
        return Finding.ok("group", group + ": allowed; not created yet (the worker's first start creates it)");
    }

    /**
     * A throwaway transactional producer under the worker's transactional-id prefix: what an ACL on
     * that prefix allows the worker, it allows this one. Its id is unique, so no running worker is fenced.
     */
    private Finding transactions() {
        Map<String, Object> config = clients.resultProducer();
        String workerId = (String) config.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        String prefix = workerId.substring(0, workerId.length() - kafka.instanceId().length());
        String checkId = prefix + "check-" + UUID.randomUUID().toString().substring(0, 8);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, checkId);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timeout.toMillis());
        config.put(CommonClientConfigs.CLIENT_ID_CONFIG, checkId);
        var producer = new KafkaProducer<byte[], byte[]>(config);
        try {
            producer.initTransactions();
            return Finding.ok("transactions", "allowed: initialised transactional id " + checkId
                    + " (the worker uses " + prefix + "<instance>)");
        } catch (AuthorizationException e) {
            return Finding.failed("transactions", "not allowed: " + e.getMessage(),
                    "grant Write and Describe on transactional ids with the prefix " + prefix + " (a prefixed ACL)");
        } catch (KafkaException e) { // TimeoutException among others: the transaction coordinator did not answer
            return Finding.failed("transactions", "could not initialise a transaction: " + e.getMessage(),
                    "transaction.state.log.replication.factor and min.isr must fit the cluster's size");
        } finally {
            producer.close(Duration.ofSeconds(2));
        }
    }
}
