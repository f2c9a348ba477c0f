package io.mjtracker.worker.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.testkit.MutableClock;
import io.mjtracker.worker.config.ResilienceSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The rate limiter's rate changes at runtime (this instance's share of the group's limit) without
 * giving up its spacing. Both the wall clock and the limiter's nanosecond time are fake here.
 */
class UpstreamGuardRateTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private long nanos = 1_000_000_000_000L;

    private UpstreamGuard guard(double rate) {
        return new UpstreamGuard("default", new ResilienceSettings(rate, 4, Duration.ofMillis(500), Duration.ofSeconds(30), 50, 20,
                Duration.ofSeconds(15)), clock, () -> nanos);
    }

    private static long period(double rate) {
        return (long) Math.ceil(1e9 * UpstreamGuard.HEADROOM / rate);
    }

    @Test
    void aLoweredRateSpacesTheNextRequestFromTheLastOneSent() {
        UpstreamGuard guard = guard(10);
        assertThat(guard.nanosUntilPermitted()).isZero();
        nanos += 50 * MS;

        guard.shareRate(1);

        assertThat(guard.nanosUntilPermitted()).isEqualTo(period(1) - 50 * MS);
        nanos += period(1) - 50 * MS - 1;
        assertThat(guard.nanosUntilPermitted()).isEqualTo(1);
        nanos += 1;
        assertThat(guard.nanosUntilPermitted()).isZero();
    }

    @Test
    void spacingFromNowHoldsTheNextRequestAWholePeriodFromNow() {
        UpstreamGuard guard = guard(10);
        assertThat(guard.nanosUntilPermitted()).isZero();
        nanos += 30 * MS;

        guard.spaceFromNow();

        assertThat(guard.nanosUntilPermitted()).as("a whole period from now, not from the send").isEqualTo(period(10));
        nanos += period(10);
        assertThat(guard.nanosUntilPermitted()).isZero();
    }

    @Test
    void aRaisedRateHoldsFromTheNextRequest() {
        UpstreamGuard guard = guard(1);
        assertThat(guard.nanosUntilPermitted()).isZero();
        nanos += 100 * MS;
        assertThat(guard.nanosUntilPermitted()).isEqualTo(period(1) - 100 * MS);

        guard.shareRate(10);

        assertThat(guard.nanosUntilPermitted()).as("103 ms after the last send, not 1.03 s").isEqualTo(period(10) - 100 * MS);
        nanos += period(10) - 100 * MS;
        assertThat(guard.nanosUntilPermitted()).isZero();
    }

    @Test
    void aShareOfZeroLetsNothingOutUntilARateIsShared() {
        UpstreamGuard guard = guard(10);
        guard.shareRate(0);

        for (int i = 0; i < 100; i++) {
            assertThat(guard.nanosUntilPermitted()).isPositive();
            nanos += TimeUnit.SECONDS.toNanos(1);
            clock.advance(Duration.ofSeconds(1));
        }
        guard.shareRate(5);

        assertThat(guard.nanosUntilPermitted()).isZero();
    }

    @Test
    void aPermitReservedAtTheOldRateIsNotSpentOnTopOfTheNewRate() {
        UpstreamGuard guard = guard(1000);
        for (int i = 0; i < 10; i++) {
            assertThat(guard.nanosUntilPermitted()).as("a cycle of 10 permits").isZero();
        }
        long wait = guard.nanosUntilPermitted();
        assertThat(wait).as("the eleventh is reserved in the next cycle").isPositive();

        guard.shareRate(500);
        nanos += wait;
        int sent = 0;
        while (guard.nanosUntilPermitted() == 0) {
            sent++;
        }

        assertThat(sent).as("one cycle at 500/s, without the reservation made at 1000/s").isEqualTo(5);
    }

    @Test
    void theRegistryListsTheLimiterOfTheCurrentRateForItsMetrics() {
        UpstreamGuard guard = guard(10);

        guard.shareRate(20);

        assertThat(guard.rateLimiters().rateLimiter("default").getRateLimiterConfig().getLimitRefreshPeriod())
                .isEqualTo(Duration.ofNanos(period(20)));
    }

    /**
     * The dispatcher's way of asking, on fake time in 1 ms steps, through a run of share changes: every
     * gap between two sends is at least the spacing of the rate in force at the later one, and each
     * stretch sends what its rate allows.
     */
    @Test
    void sendsStaySpacedForTheRateInForceThroughAnyRunOfChanges() {
        UpstreamGuard guard = guard(10);
        double[] rates = {10, 5, 0, 20, 2.5, 40};
        List<Long> sends = new ArrayList<>();
        List<Integer> perStretch = new ArrayList<>();
        long previousSend = Long.MIN_VALUE;
        for (double rate : rates) {
            guard.shareRate(rate);
            int sent = 0;
            long due = nanos;
            for (long end = nanos + TimeUnit.SECONDS.toNanos(10); nanos < end; nanos += MS) {
                if (nanos < due) {
                    continue;
                }
                long wait = guard.nanosUntilPermitted();
                if (wait > 0) {
                    due = nanos + wait;
                    continue;
                }
                if (previousSend != Long.MIN_VALUE) {
                    assertThat(nanos - previousSend).as("gap before send %d at %s/s", sends.size(), rate)
                            .isGreaterThanOrEqualTo(period(rate));
                }
                previousSend = nanos;
                sends.add(nanos);
                sent++;
            }
            perStretch.add(sent);
        }

        // 10 s at each rate, spaced 3% wider than 1/rate and rounded up to the 1 ms grid (51.5 ms to 52):
        // 10 s / 103 ms + 1 in the first; each later stretch sends first one spacing of its own rate after
        // the last send before it (at once after the idle stretch).
        assertThat(perStretch).containsExactly(98, 48, 0, 193, 24, 385);
    }
}
