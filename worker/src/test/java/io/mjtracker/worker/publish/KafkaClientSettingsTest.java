package io.mjtracker.worker.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.worker.config.WorkerConfigLoader;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class KafkaClientSettingsTest {

    private static KafkaClientSettings with(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092",
                "MJ_API_BASE_URL", "https://api.example.com", "MJ_API_KEY", "sk-1"));
        env.putAll(extra);
        return new KafkaClientSettings(WorkerConfigLoader.load(env).kafka());
    }

    @Test
    void aMaxBlockOverrideReachesTheResultProducerButNeverTheTrackerThreadsStatusProducer() {
        KafkaClientSettings clients = with(Map.of("KAFKA_MAX_BLOCK_MS", "60000"));

        assertThat(clients.resultProducer()).containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        assertThat(clients.statusProducer()).containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 100);
    }

    @Test
    void theResultBufferIsReadFromAnOverrideOrKafkasDefault() {
        assertThat(with(Map.of()).resultBufferBytes()).isEqualTo(32L * 1024 * 1024);
        assertThat(with(Map.of("KAFKA_BUFFER_MEMORY", "8388608")).resultBufferBytes()).isEqualTo(8L * 1024 * 1024);
    }
}
