package io.mjtracker.worker.intake;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The input topic's partition count from the consumer's own metadata: the consumer subscribes to the
 * topic, so the count is cached and asking costs no round trip; where it is not (the metadata lost),
 * the wait is bounded, and the share keeps the last known count. Consumer thread only.
 */
public final class ConsumerPartitionCount implements BudgetShare.PartitionCount {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerPartitionCount.class);
    /** Bounds the wait inside a rebalance callback, far below {@code max.poll.interval.ms}. */
    static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final Consumer<?, ?> consumer;
    private final String topic;

    public ConsumerPartitionCount(Consumer<?, ?> consumer, String topic) {
        this.consumer = consumer;
        this.topic = topic;
    }

    @Override
    public OptionalInt get() {
        try {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, TIMEOUT);
            return partitions == null || partitions.isEmpty() ? OptionalInt.empty() : OptionalInt.of(partitions.size());
        } catch (WakeupException e) {
            return OptionalInt.empty(); // stop() woke it; the loop condition decides
        } catch (InterruptException e) {
            throw e;
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            LOG.warn("partition count of {} not known within {}; the rate share keeps the last known count", topic, TIMEOUT);
            return OptionalInt.empty();
        } catch (KafkaException e) {
            LOG.warn("partition count of {} not available ({}); the rate share keeps the last known count", topic, e.toString());
            return OptionalInt.empty();
        }
    }
}
