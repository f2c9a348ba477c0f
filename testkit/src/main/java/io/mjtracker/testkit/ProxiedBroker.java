package io.mjtracker.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A standalone broker that clients reach only through a {@link KafkaFaultProxy}: the broker advertises
 * the proxy's port, so every client connection, after the first metadata request too, passes the proxy.
 * Closing stops the proxy, then the broker.
 */
public record ProxiedBroker(StandaloneBroker broker, KafkaFaultProxy proxy) implements AutoCloseable {

    /** @param extraConfig broker settings layered over the single-node ones */
    public static ProxiedBroker start(Path dir, Map<String, String> extraConfig) throws IOException, InterruptedException {
        int proxyPort = StandaloneBroker.freePort();
        StandaloneBroker broker = StandaloneBroker.behindProxy(dir, proxyPort, extraConfig);
        try {
            return new ProxiedBroker(broker, new KafkaFaultProxy(proxyPort, broker.listenerPort()));
        } catch (IOException e) {
            broker.close();
            throw e;
        }
    }

    @Override
    public void close() {
        proxy.close();
        broker.close();
    }
}
