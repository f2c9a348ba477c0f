package io.mjtracker.testkit;

import java.util.Map;

/**
 * Broker settings a one-node cluster needs. Kafka's defaults assume three replicas for its internal
 * topics; on one node the consumer-offsets and transaction-state topics could never be created and
 * every group commit or transaction would hang until it times out.
 */
final class SingleNodeSettings {

    static final Map<String, String> BROKER = Map.of(
            "offsets.topic.replication.factor", "1",
            "offsets.topic.num.partitions", "4",
            "transaction.state.log.replication.factor", "1",
            "transaction.state.log.min.isr", "1",
            "transaction.state.log.num.partitions", "4",
            "share.coordinator.state.topic.replication.factor", "1",
            "share.coordinator.state.topic.min.isr", "1",
            // Tests start consumers right after creating the group; waiting 3 s for more members is waste.
            "group.initial.rebalance.delay.ms", "0");

    private SingleNodeSettings() {}
}
