package io.mjtracker.worker.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.mjtracker.testkit.MutableClock;
import io.mjtracker.worker.config.ResilienceSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The guard's pauses and probes run on the injected clock: a fake one drives them here without waiting.
 * The rate is set far above what the test asks for, so the rate limiter (which runs on
 * {@code System.nanoTime}) never holds a request back.
 */
class UpstreamGuardTest {

    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(15);
    private static final long LATENCY = TimeUnit.MILLISECONDS.toNanos(20);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private final UpstreamGuard guard = new UpstreamGuard("default", new ResilienceSettings(100_000, 4, Duration.ofMillis(500),
            Duration.ofSeconds(30), 50, 20, PROBE_INTERVAL), clock, clock::nanoTime);

    @Test
    void aRetryAfterPausesEveryRequestUntilItHasPassed() {
        assertThat(guard.nanosUntilPermitted()).isZero();
        guard.record("task-1", new FetchResult.RateLimited(Duration.ofSeconds(7)), LATENCY);

        assertThat(guard.nanosUntilPermitted()).isEqualTo(Duration.ofSeconds(7).toNanos());
        clock.advance(Duration.ofMillis(6_999));
        assertThat(guard.nanosUntilPermitted()).isEqualTo(Duration.ofMillis(1).toNanos());
        clock.advance(Duration.ofMillis(1));
        assertThat(guard.nanosUntilPermitted()).isZero();
        assertThat(guard.circuitOpen()).as("a 429 is the upstream's limit, not its failure").isFalse();
    }

    @Test
    void aRetryAfterIsWaitedOutInFullNotCutToWholeMilliseconds() {
        clock.advance(Duration.ofNanos(700_000));
        guard.record("task-1", new FetchResult.RateLimited(Duration.ofNanos(4_399_500_000L)), LATENCY);

        clock.advance(Duration.ofNanos(4_399_400_000L));
        assertThat(guard.nanosUntilPermitted()).as("a tenth of a millisecond before the date it gave").isEqualTo(100_000);
    }

    @Test
    void aRateLimitWithoutRetryAfterPausesOneSecond() {
        assertThat(guard.nanosUntilPermitted()).isZero();
        guard.record("task-1", new FetchResult.RateLimited(null), LATENCY);

        assertThat(guard.nanosUntilPermitted()).isEqualTo(Duration.ofSeconds(1).toNanos());
        clock.advance(Duration.ofSeconds(1));
        assertThat(guard.nanosUntilPermitted()).isZero();
    }

    @Test
    void aShorterRetryAfterDoesNotCutALongerPauseShort() {
        assertThat(guard.nanosUntilPermitted()).isZero();
        assertThat(guard.nanosUntilPermitted()).isZero();
        guard.record("task-1", new FetchResult.RateLimited(Duration.ofSeconds(10)), LATENCY);
        clock.advance(Duration.ofSeconds(2));
        guard.record("task-1", new FetchResult.RateLimited(Duration.ofSeconds(1)), LATENCY);

        assertThat(guard.nanosUntilPermitted()).isEqualTo(Duration.ofSeconds(8).toNanos());
    }

    @Test
    void aRejectedKeyForcesTheCircuitOpenAndLetsOneProbeThroughPerInterval() {
        assertThat(guard.nanosUntilPermitted()).isZero();
        guard.record("task-1", new FetchResult.Unauthorized(401, "HTTP 401"), LATENCY);

        assertThat(guard.circuitState()).isEqualTo(CircuitBreaker.State.FORCED_OPEN);
        assertThat(guard.circuitOpen()).isTrue();
        assertThat(guard.nanosUntilPermitted()).isEqualTo(PROBE_INTERVAL.toNanos());
        clock.advance(PROBE_INTERVAL.minusMillis(1));
        assertThat(guard.nanosUntilPermitted()).isEqualTo(Duration.ofMillis(1).toNanos());

        clock.advance(Duration.ofMillis(1));
        assertThat(guard.nanosUntilPermitted()).as("the probe").isZero();
        clock.advance(Duration.ofMinutes(5));
        assertThat(guard.nanosUntilPermitted()).as("a second request while the probe is out, however long it takes").isPositive();
        assertThat(guard.nanosUntilPermitted()).isPositive();

        guard.record("task-1", new FetchResult.Unauthorized(401, "HTTP 401"), LATENCY);
        assertThat(guard.circuitState()).as("the probe was rejected too").isEqualTo(CircuitBreaker.State.FORCED_OPEN);
        assertThat(guard.nanosUntilPermitted()).as("the next probe, one interval after the last one's answer")
                .isEqualTo(PROBE_INTERVAL.toNanos());
    }

    @Test
    void aProbeThatSucceedsEndsOneAtATimeAndClosesTheCircuit() {
        assertThat(guard.nanosUntilPermitted()).isZero();
        guard.record("task-1", new FetchResult.Misconfigured("HTTP 302 redirect"), LATENCY);
        clock.advance(PROBE_INTERVAL);
        assertThat(guard.nanosUntilPermitted()).as("the probe").isZero();

        guard.record("task-1", new FetchResult.NotFound("HTTP 404"), LATENCY);

        assertThat(guard.circuitOpen()).isFalse();
        assertThat(guard.nanosUntilPermitted()).as("requests go out again without waiting for each other").isZero();
        assertThat(guard.nanosUntilPermitted()).isZero();
        guard.record("task-1", new FetchResult.NotFound("HTTP 404"), LATENCY);
        guard.record("task-1", new FetchResult.NotFound("HTTP 404"), LATENCY);
        assertThat(guard.circuitState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void aForcedOpenCircuitWaitsOutARetryAfterFirst() {
        assertThat(guard.nanosUntilPermitted()).isZero();
        guard.record("task-1", new FetchResult.Unauthorized(403, "HTTP 403"), LATENCY);
        guard.record("task-1", new FetchResult.RateLimited(Duration.ofSeconds(20)), LATENCY);
        clock.advance(PROBE_INTERVAL);

        assertThat(guard.nanosUntilPermitted()).isEqualTo(Duration.ofSeconds(20).minus(PROBE_INTERVAL).toNanos());
        clock.advance(Duration.ofSeconds(20).minus(PROBE_INTERVAL));
        assertThat(guard.nanosUntilPermitted()).as("the probe was due during the pause").isZero();
    }

    @Test
    void aRetryAfterOfADayPausesNoLongerThanTheLargestRetryBackoff() {
        assertThat(guard.nanosUntilPermitted()).isZero();
        guard.record("task-1", new FetchResult.RateLimited(Duration.ofDays(1)), LATENCY);

        assertThat(guard.nanosUntilPermitted()).as("TRACKER_RETRY_MAX_BACKOFF is 30 s here").isEqualTo(Duration.ofSeconds(30).toNanos());
    }
}
