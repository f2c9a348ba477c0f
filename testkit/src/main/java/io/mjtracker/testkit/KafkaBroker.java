package io.mjtracker.testkit;

/** A running Kafka broker that clients can reach; closing it stops the broker and frees its data. */
public interface KafkaBroker extends AutoCloseable {

    /** Value for {@code bootstrap.servers}. */
    String bootstrapServers();

    /** What kind of broker this is, for logs and test reports. */
    String description();

    @Override
    void close();
}
