package io.mjtracker.bench;

import io.mjtracker.common.record.RecordCodec;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A live read_committed reader of the results during a fault run: which tasks have a result so far, and the
 * longest time it saw no new task's result while requests were open (from the first result until every
 * request has one). The verdict comes from a fresh read at the end, not from this reader, whose own group
 * offsets a fault may lose.
 */
final class LiveResults implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> reader;
    private final RecordCodec codec = new RecordCodec();
    private final Set<String> answered = new HashSet<>();
    private final int requested;
    private long lastResultAt;
    private long longestGap;

    LiveResults(String bootstrap, String group, String topic, int requested, long startNanos) {
        this.reader = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        reader.subscribe(List.of(topic));
        this.requested = requested;
        this.lastResultAt = startNanos;
    }

    /** Reads for up to half a second. */
    void poll() {
        boolean fresh = false;
        for (var record : reader.poll(Duration.ofMillis(500))) {
            fresh |= answered.add(codec.readFinalResult(record.value()).taskId());
        }
        long now = System.nanoTime();
        if (fresh) {
            longestGap = Math.max(longestGap, now - lastResultAt);
            lastResultAt = now;
        } else if (answered.size() >= requested || answered.isEmpty()) {
            lastResultAt = now;
        }
    }

    /** Tasks with a result so far. */
    int answered() {
        return answered.size();
    }

    double longestGapSeconds() {
        return longestGap / 1e9;
    }

    @Override
    public void close() {
        reader.close();
    }
}
