package io.mjtracker.worker.metrics;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * What the health endpoints report. Live: every thread the worker depends on (intake, tracker) runs;
 * a dead one makes the worker not live, so an orchestrator restarts it. Ready: the consumer has joined
 * its group and heard from the broker recently (an answered heartbeat, records, a committed
 * transaction; an empty poll proves nothing). An open circuit does not make the worker unready: an
 * upstream outage is not cured by restarting workers, and an unready pod would be restarted in a loop.
 */
public final class HealthState {

    private static final Duration BROKER_SILENCE_LIMIT = Duration.ofSeconds(30);

    private final Clock clock;
    private final List<BooleanSupplier> threads = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private volatile boolean joined;
    private volatile long lastBrokerContactMillis;

    public HealthState(Clock clock) {
        this.clock = clock;
    }

    /** Adds a thread whose death makes the worker not live. */
    public void watch(BooleanSupplier threadAlive) {
        threads.add(threadAlive);
    }

    public void joinedGroup() {
        joined = true;
    }

    public void brokerAnswered() {
        lastBrokerContactMillis = clock.millis();
    }

    /** The consumer's last answered heartbeat, seconds ago; negative where there was none yet. */
    public void heartbeatSecondsAgo(double seconds) {
        if (seconds >= 0 && seconds < BROKER_SILENCE_LIMIT.toSeconds()) {
            lastBrokerContactMillis = Math.max(lastBrokerContactMillis, clock.millis() - (long) (seconds * 1000));
        }
    }

    public void stopped() {
        running = false;
    }

    public boolean live() {
        return running && threads.stream().allMatch(BooleanSupplier::getAsBoolean);
    }

    public boolean ready() {
        return live() && joined && clock.millis() - lastBrokerContactMillis < BROKER_SILENCE_LIMIT.toMillis();
    }
}
