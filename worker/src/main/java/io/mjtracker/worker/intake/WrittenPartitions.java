package io.mjtracker.worker.intake;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this group's transactions write: the group's {@code __consumer_offsets} partition and
 * every partition of the topics it produces to (results, dead letters, and the input topic's checkpoints),
 * and the transactions open on them. Asked anew each time: partitions can be added while the worker runs.
 * Shared by the checks that look for transactions left open there.
 */
public final class WrittenPartitions {

    private static final Logger LOG = LoggerFactory.getLogger(WrittenPartitions.class);

    static final String OFFSETS_TOPIC = "__consumer_offsets";

    private final Admin admin;
    private final String groupId;
    private final List<String> topics;
    private final Duration timeout;
    private volatile boolean unauthorizedReported;

    /**
     * @param topics the topics the group's transactions write besides its offsets
     * @param timeout how long one question waits for the cluster's answers
     */
    public WrittenPartitions(Admin admin, String groupId, List<String> topics, Duration timeout) {
        this.admin = admin;
        this.groupId = groupId;
        this.topics = List.copyOf(topics);
        this.timeout = timeout;
    }

    /**
     * All of them now that may be described; a topic that does not exist yet has nothing open, and a new
     * cluster without {@code __consumer_offsets} has no group offsets.
     */
    List<TopicPartition> list() throws ExecutionException, TimeoutException, InterruptedException {
        List<String> described = new ArrayList<>(topics);
        described.add(OFFSETS_TOPIC);
        List<TopicPartition> partitions = new ArrayList<>();
        var descriptions = admin.describeTopics(described).topicNameValues();
        for (String topic : described) {
            int count;
            try {
                count = descriptions.get(topic).get(timeout.toMillis(), TimeUnit.MILLISECONDS).partitions().size();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    continue;
                }
                if (e.getCause() instanceof AuthorizationException) {
                    // The ACLs to look are optional: the topics that may be looked at still are.
                    if (!unauthorizedReported) {
                        unauthorizedReported = true;
                        LOG.warn("may not describe {} to look for open transactions there ({}); the optional ACLs are in docs/deploy.md",
                                topic, e.getCause().getMessage());
                    }
                    continue;
                }
                throw e;
            }
            if (topic.equals(OFFSETS_TOPIC)) {
                partitions.add(new TopicPartition(OFFSETS_TOPIC, offsetsPartitionOf(groupId, count)));
            } else {
                for (int partition = 0; partition < count; partition++) {
                    partitions.add(new TopicPartition(topic, partition));
                }
            }
        }
        return partitions;
    }

    /** How long one question waits for the cluster's answers. */
    Duration timeout() {
        return timeout;
    }

    /**
     * What a look at some partitions found: per partition that answered, the producers with a transaction
     * open there; the partitions that did not answer in time (no leader now), and those the principal may not
     * read (the ACLs are optional).
     */
    record OpenTransactions(Map<TopicPartition, List<ProducerState>> open, List<TopicPartition> unanswered,
            List<TopicPartition> forbidden) {}

    /**
     * The transactions open on {@code partitions} now. One partition without a leader does not hold the
     * others: the Admin client would retry it for its whole API timeout, so the call gets this one, and every
     * answer is waited for against one deadline.
     */
    OpenTransactions openTransactions(List<TopicPartition> partitions) throws ExecutionException, InterruptedException {
        var described = admin.describeProducers(partitions, new DescribeProducersOptions().timeoutMs((int) timeout.toMillis()));
        long answersBy = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, List<ProducerState>> open = new LinkedHashMap<>();
        List<TopicPartition> unanswered = new ArrayList<>();
        List<TopicPartition> forbidden = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            try {
                open.put(partition, described.partitionResult(partition).get(Math.max(0, answersBy - System.nanoTime()), TimeUnit.NANOSECONDS)
                        .activeProducers().stream().filter(producer -> producer.currentTransactionStartOffset().isPresent()).toList());
            } catch (TimeoutException e) {
                unanswered.add(partition);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof AuthorizationException) {
                    forbidden.add(partition);
                } else if (e.getCause() instanceof ApiException) {
                    unanswered.add(partition);
                } else {
                    throw e;
                }
            }
        }
        return new OpenTransactions(open, unanswered, forbidden);
    }

    /** Which partition of {@code __consumer_offsets} holds a group's offsets: Kafka's own rule. */
    static int offsetsPartitionOf(String groupId, int offsetsPartitions) {
        int hash = groupId.hashCode();
        return (hash == Integer.MIN_VALUE ? 0 : Math.abs(hash)) % offsetsPartitions;
    }
}
