package io.mjtracker.worker.publish;

import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.StatusUpdate;
import io.mjtracker.worker.tracking.StatusSink;
import io.mjtracker.worker.tracking.TaskRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends status updates with an idempotent producer, keyed by task id so that one task's updates stay
 * in order on one partition. Sending never waits for the broker; a send that fails after the
 * producer's own retries is logged and counted (the final result, which is transactional, still
 * follows). Called from the tracker thread only.
 */
public final class KafkaStatusPublisher implements StatusSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaStatusPublisher.class);
    /**
     * A send that took this long, most of it waiting for buffer space or metadata (the producer's own
     * counts say which), found the broker away a while. Slow for another reason (a garbage collection,
     * a busy machine), it sheds nothing.
     */
    static final long BLOCKED_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** The producer's counters of time its sends spent waiting for buffer space and for metadata. */
    private static final Set<String> WAIT_TOTALS = Set.of("bufferpool-wait-time-ns-total", "metadata-wait-time-ns-total");
    /**
     * After a send that waited, updates are dropped (and counted) this long without asking the producer:
     * with its buffer full, each send would hold the tracker thread for {@code max.block.ms}, and a batch
     * answer of a thousand changed tasks would stall every upstream's polling for minutes.
     */
    static final long SHED_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final RecordCodec codec;
    private final AtomicLong failures = new AtomicLong();
    private final Runnable onFailure;
    private final LongSupplier nanoTime;
    /** Empty where the producer does not count its waits: then every slow send counts as one that waited. */
    private final List<Metric> waitTotals;
    private long shedUntilNanos;

    /** @param onFailure counts a status update the broker did not take */
    public KafkaStatusPublisher(Producer<byte[], byte[]> producer, String topic, RecordCodec codec, Runnable onFailure) {
        this(producer, topic, codec, onFailure, System::nanoTime);
    }

    /** @param nanoTime measures how long a send held the caller; tests drive a fake one */
    KafkaStatusPublisher(Producer<byte[], byte[]> producer, String topic, RecordCodec codec, Runnable onFailure, LongSupplier nanoTime) {
        this.producer = producer;
        this.topic = topic;
        this.codec = codec;
        this.onFailure = onFailure;
        this.nanoTime = nanoTime;
        this.shedUntilNanos = nanoTime.getAsLong();
        this.waitTotals = producer.metrics().entrySet().stream()
                .filter(metric -> metric.getKey().group().equals("producer-metrics") && WAIT_TOTALS.contains(metric.getKey().name()))
                .map(Map.Entry::getValue).map(Metric.class::cast).toList();
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
        long started = nanoTime.getAsLong();
        double waitedBefore = waitedNanos();
        if (started - shedUntilNanos < 0) {
            failed(request.taskId(), "dropped without sending: the producer's buffer was full a moment ago (broker away)");
            return;
        }
        var record = new ProducerRecord<>(topic, null, request.taskId().getBytes(StandardCharsets.UTF_8), codec.write(update));
        for (var header : request.headers()) {
            record.headers().add(header);
        }
        Future<RecordMetadata> sent = producer.send(record, (metadata, failure) -> {
            if (failure != null) {
                failed(request.taskId(), failure.toString());
            }
        });
        long ended = nanoTime.getAsLong();
        if (ended - started >= BLOCKED_NANOS && (waitTotals.isEmpty() || refusedAtOnce(sent)
                || waitedNanos() - waitedBefore >= BLOCKED_NANOS / 2.0)) {
            shedUntilNanos = ended + SHED_NANOS;
        }
    }

    /**
     * A send the producer failed before returning: it waited its {@code max.block.ms} for metadata or buffer
     * space and gave up (a metadata wait that times out is not added to the producer's wait counter).
     */
    private static boolean refusedAtOnce(Future<RecordMetadata> sent) {
        return sent.isDone() && sent.state() == Future.State.FAILED;
    }

    /** Time the producer's sends have waited for buffer space and metadata so far; 0 where it does not count it. */
    private double waitedNanos() {
        double total = 0;
        for (Metric waits : waitTotals) {
            if (waits.metricValue() instanceof Number nanos) {
                total += nanos.doubleValue();
            }
        }
        return total;
    }

    private void failed(String taskId, String why) {
        onFailure.run();
        if (failures.getAndIncrement() % 1000 == 0) {
            LOG.atWarn().addKeyValue("task_id", taskId).log("status update for task {} not published: {}", taskId, why);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
