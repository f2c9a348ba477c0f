package io.mjtracker.worker.hooks;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every partition of the hints topic on a thread of its own, from the end, and hands each hint to
 * the tracker: the instance that received a hook is usually not the one tracking its task, and which one
 * is changes with every rebalance, so every instance reads them all and acts on its own tasks'. The
 * topic's partitions are looked up again every minute, so partitions added later are read too.
 */
public final class HintListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HintListener.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final long REFRESH_PARTITIONS_NANOS = Duration.ofMinutes(1).toNanos();

    private final org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final HintCodec codec;
    private final Consumer<Hint> target;
    private volatile boolean stopping;
    private Thread thread;
    /** When the partitions were looked up last (System.nanoTime), or null: look them up now. */
    private Long partitionsCheckedAt;

    public HintListener(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer, String topic, HintCodec codec,
            Consumer<Hint> target) {
        this.consumer = consumer;
        this.topic = topic;
        this.codec = codec;
        this.target = target;
    }

    public void start() {
        thread = Thread.ofPlatform().name("hints").daemon().start(this::run);
    }

    private void run() {
        try {
            while (!stopping) {
                try {
                    assignAll();
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                        // A record this version cannot read is skipped: a hint only makes a poll come sooner.
                        codec.read(record.value()).ifPresent(target);
                    }
                } catch (WakeupException e) {
                    return;
                } catch (KafkaException e) {
                    // Hints only speed polls up: a failure here costs latency, never a task, so reading goes on.
                    LOG.warn("reading hints failed, retrying: {}", e.toString());
                    sleep();
                }
            }
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** Assigns every partition of the topic (new ones from their end), at start and once a minute. */
    private void assignAll() {
        long now = System.nanoTime();
        if (partitionsCheckedAt != null && now - partitionsCheckedAt < REFRESH_PARTITIONS_NANOS) {
            return;
        }
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
        if (infos == null || infos.isEmpty()) {
            throw new KafkaException("the hints topic " + topic + " has no partitions yet");
        }
        partitionsCheckedAt = now;
        List<TopicPartition> all = infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
        List<TopicPartition> added = all.stream().filter(partition -> !consumer.assignment().contains(partition)).toList();
        if (added.isEmpty()) {
            return;
        }
        consumer.assign(all);
        consumer.seekToEnd(added);
        LOG.debug("reading hints from {} partition(s) of {}", all.size(), topic);
    }

    private void sleep() {
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    @Override
    public void close() {
        stopping = true;
        consumer.wakeup();
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
