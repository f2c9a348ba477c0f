package io.mjtracker.cli;

import io.mjtracker.common.record.RecordCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the status and result topics into a {@link TaskBoard}, without a consumer group (nothing is
 * committed, any number of watchers can follow), with {@code read_committed} so results are final.
 */
final class OutputFollower implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutputFollower.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String statusTopic;
    private final RecordCodec codec = new RecordCodec();

    /** @param clientConfig bootstrap servers and any security settings */
    OutputFollower(Map<String, Object> clientConfig, String statusTopic, String completedTopic, boolean fromBeginning) {
        this.statusTopic = statusTopic;
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        Object bootstrap = clientConfig.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(statusTopic, completedTopic)) {
            var infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
            if (infos == null || infos.isEmpty()) {
                consumer.close();
                throw new IllegalStateException("topic " + topic + " does not exist at " + bootstrap);
            }
            infos.forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
        }
        consumer.assign(partitions);
        if (fromBeginning) {
            consumer.seekToBeginning(partitions);
        } else {
            consumer.seekToEnd(partitions);
        }
    }

    /** Polls once and applies what came; calls {@code changed} for every row that changed. */
    void poll(TaskBoard board, Duration timeout, java.util.function.Consumer<TaskBoard.Row> changed) {
        for (var record : consumer.poll(timeout)) {
            try {
                boolean status = record.topic().equals(statusTopic);
                String taskId;
                boolean applied;
                if (status) {
                    var update = codec.readStatusUpdate(record.value());
                    taskId = update.taskId();
                    applied = board.apply(update);
                } else {
                    var result = codec.readFinalResult(record.value());
                    taskId = result.taskId();
                    applied = board.apply(result);
                }
                if (applied) {
                    board.rows().stream().filter(row -> row.taskId.equals(taskId)).findFirst().ifPresent(changed);
                }
            } catch (RecordCodec.RecordFormatException e) {
                LOG.warn("skipping a record at {}-{}@{} that is not in the published shape: {}",
                        record.topic(), record.partition(), record.offset(), e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
