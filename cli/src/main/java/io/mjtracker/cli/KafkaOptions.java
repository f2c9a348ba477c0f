package io.mjtracker.cli;

import picocli.CommandLine.Option;

/** Where the topics are; defaults follow the worker's own variables and defaults. */
final class KafkaOptions {

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS or localhost:9092).")
    String bootstrap = env("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");

    @Option(names = "--input-topic", description = "Topic of task requests (default: ${DEFAULT-VALUE}).")
    String inputTopic = env("TRACKER_INPUT_TOPIC", "mj.tasks");

    @Option(names = "--status-topic", description = "Topic of status updates (default: ${DEFAULT-VALUE}).")
    String statusTopic = env("TRACKER_STATUS_TOPIC", "mj.tasks.status");

    @Option(names = "--completed-topic", description = "Topic of final results (default: ${DEFAULT-VALUE}).")
    String completedTopic = env("TRACKER_COMPLETED_TOPIC", "mj.tasks.completed");

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
