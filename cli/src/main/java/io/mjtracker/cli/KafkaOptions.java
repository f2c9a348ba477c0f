package io.mjtracker.cli;

import io.mjtracker.worker.config.WorkerConfigLoader;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine.Option;

/** Where the topics are and how to reach them; defaults follow the worker's own variables and defaults. */
final class KafkaOptions {

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS or localhost:9092).")
    String bootstrap = env("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");

    @Option(names = "--input-topic", description = "Topic of task requests (default: ${DEFAULT-VALUE}).")
    String inputTopic = env("TRACKER_INPUT_TOPIC", "mj.tasks");

    @Option(names = "--status-topic", description = "Topic of status updates (default: ${DEFAULT-VALUE}).")
    String statusTopic = env("TRACKER_STATUS_TOPIC", "mj.tasks.status");

    @Option(names = "--completed-topic", description = "Topic of final results (default: ${DEFAULT-VALUE}).")
    String completedTopic = env("TRACKER_COMPLETED_TOPIC", "mj.tasks.completed");

    /**
     * The bootstrap servers plus the worker's pass-through client settings ({@code KAFKA_SECURITY_PROTOCOL},
     * {@code KAFKA_SASL_JAAS_CONFIG}, ...), so that the commands reach a secured cluster as the worker does.
     */
    Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>(WorkerConfigLoader.kafkaPassThrough(System.getenv()));
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return config;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
