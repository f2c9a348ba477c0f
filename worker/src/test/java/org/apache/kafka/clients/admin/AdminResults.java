package org.apache.kafka.clients.admin;

import java.util.Map;
import org.apache.kafka.clients.admin.internals.CoordinatorKey;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * Builds Admin results whose constructors the client keeps to its own package, for tests that give code an
 * Admin answering as a cluster would, one partition at a time (one that never answers included).
 */
public final class AdminResults {

    private AdminResults() {}

    public static DescribeProducersResult producers(Map<TopicPartition, KafkaFuture<DescribeProducersResult.PartitionProducerState>> byPartition) {
        return new DescribeProducersResult(byPartition);
    }

    public static DescribeTransactionsResult transaction(String transactionalId, KafkaFuture<TransactionDescription> description) {
        return new DescribeTransactionsResult(Map.of(CoordinatorKey.byTransactionalId(transactionalId), description));
    }

    public static DescribeTopicsResult topics(Map<String, KafkaFuture<TopicDescription>> byName) {
        return new DescribeTopicsResult(null, byName);
    }

    public static AbortTransactionResult aborted(TopicPartition partition) {
        return new AbortTransactionResult(Map.of(partition, KafkaFuture.completedFuture(null)));
    }
}
