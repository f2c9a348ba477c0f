package io.mjtracker.worker.upstream;

import java.time.Clock;

/**
 * A clock that runs only while the upstream cannot be asked: its circuit is not closed (unreachable, or
 * it refuses the key), or it answers 429 (a spent quota), from the first 429 to the next real answer. A
 * task's TIMED_OUT limit is extended by the time this clock ran while it was tracked, so neither an outage
 * nor a quota spent for hours fails a task that may well have succeeded upstream. Time both reasons
 * overlap counts once. Thread-safe: the circuit breaker and the lane move it, intake and tracking read it.
 */
public final class UnavailabilityClock {

    private static final int CIRCUIT_OPEN = 1;
    private static final int RATE_LIMITED = 2;

    private final Clock clock;
    private long accumulatedMillis;
    private int reasons;
    private long unavailableSinceMillis = -1;

    public UnavailabilityClock(Clock clock) {
        this.clock = clock;
    }

    synchronized void stopped() {
        set(CIRCUIT_OPEN, true);
    }

    synchronized void resumed() {
        set(CIRCUIT_OPEN, false);
    }

    /** The upstream answered 429. */
    synchronized void refused() {
        set(RATE_LIMITED, true);
    }

    /** The upstream answered a request (a task found or not found, a batch answered). */
    synchronized void answered() {
        set(RATE_LIMITED, false);
    }

    private void set(int reason, boolean on) {
        int before = reasons;
        reasons = on ? reasons | reason : reasons & ~reason;
        if (before == 0 && reasons != 0) {
            unavailableSinceMillis = clock.millis();
        } else if (before != 0 && reasons == 0) {
            accumulatedMillis += Math.max(0, clock.millis() - unavailableSinceMillis);
            unavailableSinceMillis = -1;
        }
    }

    /** Whether the upstream cannot be asked now: its circuit is not closed, or its last answer was a 429. */
    public synchronized boolean unavailableNow() {
        return reasons != 0;
    }

    /** Milliseconds of unavailability so far. */
    public synchronized long millis() {
        return accumulatedMillis + (reasons != 0 ? Math.max(0, clock.millis() - unavailableSinceMillis) : 0);
    }
}
