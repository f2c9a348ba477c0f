package io.mjtracker.testkit;

import org.testcontainers.kafka.KafkaContainer;

/**
 * A broker in a Docker container ({@code apache/kafka-native}), for machines with a Docker engine. The
 * same test classes run against it as against {@link EmbeddedKafkaBroker}.
 */
public final class ContainerKafkaBroker implements KafkaBroker {

    /** The image used unless {@code mjtracker.broker.image} names another. */
    public static final String DEFAULT_IMAGE = "apache/kafka-native:4.1.0";

    private final KafkaContainer container;

    private ContainerKafkaBroker(KafkaContainer container) {
        this.container = container;
    }

    /** Starts a container from {@code image} and waits until the broker accepts clients. */
    public static ContainerKafkaBroker start(String image) {
        KafkaContainer container = new KafkaContainer(image);
        SingleNodeSettings.BROKER.forEach((key, value) ->
                container.withEnv("KAFKA_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_'), value));
        container.start();
        return new ContainerKafkaBroker(container);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public String description() {
        return "container " + container.getDockerImageName() + " at " + bootstrapServers();
    }

    @Override
    public void close() {
        container.stop();
    }
}
