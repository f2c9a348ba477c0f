package io.mjtracker.worker.publish;

import io.mjtracker.worker.config.KafkaSettings;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The settings of every Kafka client the worker creates, each with the reason for its value. */
public final class KafkaClientSettings {

    private final KafkaSettings kafka;

    public KafkaClientSettings(KafkaSettings kafka) {
        this.kafka = kafka;
    }

    public Map<String, Object> consumer() {
        Map<String, Object> config = common("consumer");
        config.put(ConsumerConfig.GROUP_ID_CONFIG, kafka.groupId());
        // Offsets are committed inside the result transaction, never by the consumer on its own.
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A new group starts from the oldest request: a task id produced before the worker first ran still counts.
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Producers of task ids may write transactionally; never act on an aborted request.
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // Rebalances move only the partitions that change owner; the others keep tracking undisturbed.
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        if (kafka.staticMembership()) {
            // A restarted instance (same id) gets its partitions back without a rebalance of the group.
            config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, kafka.instanceId());
        }
        // Bounds how far one poll can overshoot the in-flight cap before partitions pause.
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.putAll(kafka.clientOverrides());
        return config;
    }

    /** The idempotent producer of status updates. */
    public Map<String, Object> statusProducer() {
        Map<String, Object> config = producer("status");
        // Status updates of many tasks batch well; a few milliseconds cost nothing against poll cadences of seconds.
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.putAll(kafka.clientOverrides());
        // The tracker thread sends these: while the broker is away and the buffer is full, a send fails at
        // once (counted, logged) rather than stalling every poll of every task. Set after the overrides: a
        // KAFKA_MAX_BLOCK_MS meant for the result producer must not make the tracker thread wait.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 100);
        return config;
    }

    /**
     * The producer of hints. A hint lost costs a poll that comes on the cadence instead, so it takes the
     * leader's word (acks=1) and never makes a receiver thread wait for a broker that is away.
     */
    public Map<String, Object> hintProducer() {
        Map<String, Object> config = common("hints");
        config.put(ProducerConfig.ACKS_CONFIG, "1");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.putAll(kafka.clientOverrides());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 100);
        // A hint older than this is worth nothing: the task's next poll has come on the cadence meanwhile.
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return config;
    }

    /**
     * The reader of hints: every instance reads every partition, outside the group (no group id, no
     * offsets stored), from the end: hints written before it started are about polls long past.
     */
    public Map<String, Object> hintConsumer() {
        Map<String, Object> config = common("hints-reader");
        config.putAll(kafka.clientOverrides());
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return config;
    }

    /** The transactional producer of results, dead letters and offsets. */
    public Map<String, Object> resultProducer() {
        Map<String, Object> config = producer("results");
        // Unique per instance: fencing of zombies is done by the consumer group generation (KIP-447).
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId());
        // A crashed worker's open transaction blocks the partition's next owner until it times out. Every
        // transaction is bounded (TransactionBounds: 5,000 records, at most 8 MiB), so even the flush of a
        // backlog after a long broker outage commits in well under a second per transaction: ten seconds
        // leaves a wide margin and keeps takeover quick.
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
        // The consumer thread commits: a commit the broker does not confirm returns within 5 s (and is
        // retried on the next loop) so that the thread keeps polling through a broker outage.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        config.putAll(kafka.clientOverrides());
        return config;
    }

    /** The result producer's {@code max.request.size}: larger results are trimmed before sending. */
    public int maxRequestBytes() {
        Object configured = resultProducer().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        return configured == null ? 1_048_576 : Integer.parseInt(configured.toString().trim());
    }

    /** This worker's transactional id: stable per instance, so a restart fences its predecessor. */
    public String transactionalId() {
        return transactionalIdPrefix() + kafka.instanceId();
    }

    /** What the transactional id of every worker of this group starts with. */
    public String transactionalIdPrefix() {
        return "mj-tracker-" + kafka.groupId() + "-";
    }

    /** The result producer's {@code buffer.memory}: a transaction's records must fit it with room to spare. */
    public long resultBufferBytes() {
        Object configured = resultProducer().get(ProducerConfig.BUFFER_MEMORY_CONFIG);
        return configured == null ? 33_554_432L : Long.parseLong(configured.toString().trim());
    }

    /** The consumer's {@code max.poll.records}: how far one poll can read past a full offset window. */
    public int maxPollRecords() {
        return Integer.parseInt(consumer().get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG).toString().trim());
    }

    public Map<String, Object> admin() {
        Map<String, Object> config = common("admin");
        config.putAll(kafka.clientOverrides());
        return config;
    }

    private Map<String, Object> producer(String role) {
        Map<String, Object> config = common(role);
        // No result or update may be lost or duplicated by a producer retry.
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return config;
    }

    private Map<String, Object> common(String role) {
        Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(CommonClientConfigs.CLIENT_ID_CONFIG, "mj-tracker-" + kafka.instanceId() + "-" + role);
        return config;
    }
}
