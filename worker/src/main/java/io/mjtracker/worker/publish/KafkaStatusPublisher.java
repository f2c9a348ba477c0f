package io.mjtracker.worker.publish;

import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.StatusUpdate;
import io.mjtracker.worker.tracking.StatusSink;
import io.mjtracker.worker.tracking.TaskRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends status updates with an idempotent producer, keyed by task id so that one task's updates stay
 * in order on one partition. Sending never waits for the broker; a send that fails after the
 * producer's own retries is logged and counted (the final result, which is transactional, still
 * follows).
 */
public final class KafkaStatusPublisher implements StatusSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaStatusPublisher.class);

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final RecordCodec codec;
    private final AtomicLong failures = new AtomicLong();
    private final Runnable onFailure;

    /** @param onFailure counts a status update the broker did not take */
    public KafkaStatusPublisher(Producer<byte[], byte[]> producer, String topic, RecordCodec codec, Runnable onFailure) {
        this.producer = producer;
        this.topic = topic;
        this.codec = codec;
        this.onFailure = onFailure;
    }

    /**
     * Learns the status topic's partitions before the first update: later sends must not wait for
     * metadata (the producer's {@code max.block.ms} is short so that the tracker thread never stalls).
     *
     * @throws IllegalStateException where the broker does not describe the topic within {@code timeout}
     */
    public void start(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                producer.partitionsFor(topic);
                return;
            } catch (TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker does not describe topic " + topic + " within " + timeout, e);
                }
            }
        }
    }

    @Override
    public void publish(TaskRequest request, StatusUpdate update) {
        var record = new ProducerRecord<>(topic, null, request.taskId().getBytes(StandardCharsets.UTF_8), codec.write(update));
        for (var header : request.headers()) {
            record.headers().add(header);
        }
        producer.send(record, (metadata, failure) -> {
            if (failure != null) {
                onFailure.run();
                if (failures.getAndIncrement() % 1000 == 0) {
                    LOG.warn("status update for task {} not published: {}", request.taskId(), failure.toString());
                }
            }
        });
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
