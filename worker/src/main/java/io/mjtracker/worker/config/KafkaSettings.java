package io.mjtracker.worker.config;

import java.util.Map;
import java.util.Optional;

/**
 * How the worker reaches Kafka.
 *
 * @param staticMembership the instance id was given (TRACKER_INSTANCE_ID), so it is also the consumer's
 *     {@code group.instance.id}: a restarted instance takes its partitions back without a rebalance
 * @param clientOverrides pass-through client settings ({@code KAFKA_*} variables or {@code kafka.*}
 *     file keys), applied to every consumer, producer and admin client; may hold credentials, so they
 *     are never logged
 */
public record KafkaSettings(
        String bootstrapServers,
        String groupId,
        String instanceId,
        boolean staticMembership,
        TopicNames topics,
        int topicPartitions,
        Optional<Short> topicReplication,
        Map<String, String> clientOverrides) {

    public KafkaSettings {
        clientOverrides = Map.copyOf(clientOverrides);
    }

    @Override
    public String toString() {
        return "KafkaSettings[bootstrapServers=" + bootstrapServers + ", groupId=" + groupId + ", instanceId="
                + instanceId + ", topics=" + topics + ", overrides=" + clientOverrides.keySet() + "]";
    }
}
