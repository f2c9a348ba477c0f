package io.mjtracker.worker.intake;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;

/**
 * How long ago the consumer last heard from its group coordinator. An empty poll completes whether the
 * broker is there or not, so it proves nothing; an answered heartbeat does. Read from the consumer's
 * own {@code last-heartbeat-seconds-ago} metric, found once and then read directly.
 */
final class BrokerContact {

    private final Consumer<?, ?> consumer;
    private Metric heartbeat;

    BrokerContact(Consumer<?, ?> consumer) {
        this.consumer = consumer;
    }

    /** Seconds since the last answered heartbeat, or a negative number where none was answered yet. */
    double secondsSinceHeartbeat() {
        if (heartbeat == null) {
            for (var entry : consumer.metrics().entrySet()) {
                if (entry.getKey().name().equals("last-heartbeat-seconds-ago")
                        && entry.getKey().group().equals("consumer-coordinator-metrics")) {
                    heartbeat = entry.getValue();
                }
            }
            if (heartbeat == null) {
                return -1;
            }
        }
        return heartbeat.metricValue() instanceof Number number ? number.doubleValue() : -1;
    }
}
