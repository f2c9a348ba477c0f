package io.mjtracker.worker.metrics;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * What the health endpoints report. Live: every thread the worker depends on (intake, tracker) runs;
 * a dead one makes the worker not live, so an orchestrator restarts it; so does a result transaction
 * left in doubt for minutes while the broker answers ({@link #watchSettling}). Ready: the consumer has joined
 * its group and heard from the broker recently (an answered heartbeat, records, a committed
 * transaction; an empty poll proves nothing). An open circuit does not make the worker unready: an
 * upstream outage is not cured by restarting workers, and an unready pod would be restarted in a loop.
 */
public final class HealthState {

    private static final Duration BROKER_SILENCE_LIMIT = Duration.ofSeconds(30);

    private final Clock clock;
    private final List<BooleanSupplier> threads = new CopyOnWriteArrayList<>();
    private final List<Unsettled> unsettled = new CopyOnWriteArrayList<>();
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

    /**
     * Adds work that must settle while the broker answers: unsettled for longer than {@code limit} while the
     * broker answers this worker makes it not live, since only a restart (a fresh producer) cures a
     * producer that cannot settle a commit the broker can be asked about. While the broker is away, a
     * restart would cure nothing, and the worker stays live and rides the outage out.
     *
     * @param unsettledMillis how long it has been unsettled; 0 while it is settled
     */
    public void watchSettling(LongSupplier unsettledMillis, Duration limit) {
        unsettled.add(new Unsettled(unsettledMillis, limit));
    }

    private record Unsettled(LongSupplier millis, Duration limit) {
        boolean overdue() {
            return millis.getAsLong() > limit.toMillis();
        }
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
        return running && threads.stream().allMatch(BooleanSupplier::getAsBoolean)
                && !(brokerAnswersLately() && unsettled.stream().anyMatch(Unsettled::overdue));
    }

    public boolean ready() {
        return live() && joined && brokerAnswersLately();
    }

    private boolean brokerAnswersLately() {
        return clock.millis() - lastBrokerContactMillis < BROKER_SILENCE_LIMIT.toMillis();
    }
}
