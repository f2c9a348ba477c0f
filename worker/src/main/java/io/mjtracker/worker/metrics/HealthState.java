package io.mjtracker.worker.metrics;

import java.time.Clock;
import java.time.Duration;

/**
 * What the health endpoints report. Live: the worker's threads run. Ready: the consumer has joined
 * its group and heard from the broker recently. An open circuit does not make the worker unready: an
 * upstream outage is not cured by restarting workers, and an unready pod would be restarted in a loop.
 */
public final class HealthState {

    private static final Duration BROKER_SILENCE_LIMIT = Duration.ofSeconds(30);

    private final Clock clock;
    private volatile boolean running = true;
    private volatile boolean joined;
    private volatile long lastBrokerContactMillis;

    public HealthState(Clock clock) {
        this.clock = clock;
    }

    public void joinedGroup() {
        joined = true;
    }

    public void brokerAnswered() {
        lastBrokerContactMillis = clock.millis();
    }

    public void stopped() {
        running = false;
    }

    public boolean live() {
        return running;
    }

    public boolean ready() {
        return running && joined && clock.millis() - lastBrokerContactMillis < BROKER_SILENCE_LIMIT.toMillis();
    }
}
