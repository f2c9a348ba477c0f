package io.mjtracker.worker.hooks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes accepted hooks to the hints topic, keyed by task id, without waiting for the broker's answer. */
public final class HintPublisher implements HintSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HintPublisher.class);
    private static final long WARN_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final HintCodec codec;
    /** When the last warning was logged (System.nanoTime); a minute before start, so the first one is. */
    private final AtomicLong lastWarnedAt = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    public HintPublisher(Producer<byte[], byte[]> producer, String topic, HintCodec codec) {
        this.producer = producer;
        this.topic = topic;
        this.codec = codec;
    }

    @Override
    public boolean offer(Hint hint) {
        try {
            producer.send(new ProducerRecord<>(topic, hint.taskId().getBytes(StandardCharsets.UTF_8), codec.write(hint)),
                    (metadata, error) -> {
                        if (error != null) {
                            warn("a hint could not be stored: " + error);
                        }
                    });
            return true;
        } catch (KafkaException e) {
            // The buffer is full while the broker is away: the caller answers 503 and the task is polled on its cadence.
            warn("hints cannot be passed on now: " + e);
            return false;
        }
    }

    /** At most one line a minute: a broker outage must not turn every hook into a log line. */
    private void warn(String message) {
        long now = System.nanoTime();
        long last = lastWarnedAt.get();
        if (now - last >= WARN_EVERY_NANOS && lastWarnedAt.compareAndSet(last, now)) {
            LOG.warn("{} (hooks are answered 503 meanwhile; tasks are polled on their cadence)", message);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(2));
    }
}
