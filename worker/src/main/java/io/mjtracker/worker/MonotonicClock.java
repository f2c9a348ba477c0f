package io.mjtracker.worker;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.LongSupplier;

/**
 * The worker's clock for every interval it measures (commit interval, poll schedules, pauses, the
 * breaker, health, TIMED_OUT): the wall clock read once at start, advanced by the monotonic
 * {@link System#nanoTime}. A step of the host's wall clock (a VM resumed, a manual correction, an NTP
 * step) then neither freezes the worker for as long as a backward step (every {@code now - last} negative)
 * nor ends its tasks TIMED_OUT at a forward one. The kernel slews the monotonic clock as it slews the wall
 * clock, so the two part only by steps. Timestamps users read ({@code detectedAt}, {@code observedAt})
 * come from the wall clock.
 */
final class MonotonicClock extends Clock {

    private final long originMillis;
    private final long originNanos;
    private final LongSupplier nanoTime;

    MonotonicClock(long originMillis, LongSupplier nanoTime) {
        this.originMillis = originMillis;
        this.nanoTime = nanoTime;
        this.originNanos = nanoTime.getAsLong();
    }

    /** A clock that starts at {@code wall}'s time now and advances with {@link System#nanoTime}. */
    static MonotonicClock startingAt(Clock wall) {
        return new MonotonicClock(wall.millis(), System::nanoTime);
    }

    @Override
    public long millis() {
        return originMillis + Math.floorDiv(nanoTime.getAsLong() - originNanos, 1_000_000L);
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (!zone.equals(ZoneOffset.UTC)) {
            throw new UnsupportedOperationException("the worker's clock is UTC only");
        }
        return this;
    }
}
