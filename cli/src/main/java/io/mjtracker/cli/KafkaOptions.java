package io.mjtracker.cli;

import io.mjtracker.worker.config.WorkerConfigLoader;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine.Option;

/**
 * Where the topics are and how to reach them. An option left out takes the worker's setting, from the environment
 * or {@code TRACKER_CONFIG_FILE} as the worker reads them, then the worker's default.
 */
final class KafkaOptions {

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default: KAFKA_BOOTSTRAP_SERVERS, or localhost:9092).")
    private String bootstrap;

    @Option(names = "--input-topic", description = "Topic of task requests (default: TRACKER_INPUT_TOPIC, or mj.tasks).")
    private String inputTopic;

    @Option(names = "--status-topic", description = "Topic of status updates (default: TRACKER_STATUS_TOPIC, or mj.tasks.status).")
    private String statusTopic;

    @Option(names = "--completed-topic", description = "Topic of final results (default: TRACKER_COMPLETED_TOPIC, or mj.tasks.completed).")
    private String completedTopic;

    private Map<String, String> settings;

    String bootstrap() {
        return chosen(bootstrap, "KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
    }

    String inputTopic() {
        return chosen(inputTopic, "TRACKER_INPUT_TOPIC", "mj.tasks");
    }

    String statusTopic() {
        return chosen(statusTopic, "TRACKER_STATUS_TOPIC", "mj.tasks.status");
    }

    String completedTopic() {
        return chosen(completedTopic, "TRACKER_COMPLETED_TOPIC", "mj.tasks.completed");
    }

    /**
     * The bootstrap servers plus the worker's pass-through client settings ({@code KAFKA_SECURITY_PROTOCOL},
     * {@code kafka.sasl.jaas.config} in the file, ...), so that the commands reach a secured cluster as the worker does.
     */
    Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>(WorkerConfigLoader.kafkaPassThrough(settings()));
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        return config;
    }

    private String chosen(String option, String setting, String fallback) {
        if (option != null) {
            return option;
        }
        String value = settings().get(setting);
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    /** Read on first use, so that an unreadable file is reported as the command's error, not at parsing. */
    private Map<String, String> settings() {
        if (settings == null) {
            settings = WorkerConfigLoader.effectiveSettings(System.getenv());
        }
        return settings;
    }
}
