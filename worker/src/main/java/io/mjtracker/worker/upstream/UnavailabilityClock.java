package io.mjtracker.worker.upstream;

import java.time.Clock;

/**
 * A clock that runs only while the upstream is unreachable or refuses the key (its circuit is not
 * closed). A task's TIMED_OUT limit is extended by the time this clock ran while it was tracked, so an
 * outage fails no task. Thread-safe: the circuit breaker moves it, intake and tracking read it.
 */
public final class UnavailabilityClock {

    private final Clock clock;
    private long accumulatedMillis;
    private long unavailableSinceMillis = -1;

    public UnavailabilityClock(Clock clock) {
        this.clock = clock;
    }

    synchronized void stopped() {
        if (unavailableSinceMillis < 0) {
            unavailableSinceMillis = clock.millis();
        }
    }

    synchronized void resumed() {
        if (unavailableSinceMillis >= 0) {
            accumulatedMillis += Math.max(0, clock.millis() - unavailableSinceMillis);
            unavailableSinceMillis = -1;
        }
    }

    /** Whether the upstream is unavailable now (its circuit is not closed). */
    public synchronized boolean unavailableNow() {
        return unavailableSinceMillis >= 0;
    }

    /** Milliseconds of unavailability so far. */
    public synchronized long millis() {
        return accumulatedMillis + (unavailableSinceMillis >= 0 ? Math.max(0, clock.millis() - unavailableSinceMillis) : 0);
    }
}
