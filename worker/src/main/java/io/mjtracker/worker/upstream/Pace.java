package io.mjtracker.worker.upstream;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * How fast requests may leave at one rate: the Resilience4j rate limiter and the spacing the guard
 * keeps in actual send time. Built whole and swapped whole when this instance's share of the group's
 * rate changes ({@link UpstreamGuard#shareRate}), so the thread asking for permits never pairs the
 * limiter of one rate with the spacing of another.
 *
 * @param limiter null for a rate of 0, which lets nothing out
 * @param minSpacingNanos least time between two sends; 0 where a cycle holds several permits
 */
record Pace(double ratePerSecond, RateLimiter limiter, long permitPeriodNanos, long minSpacingNanos) {

    static Pace of(String name, double ratePerSecond, LongSupplier nanoTime) {
        if (ratePerSecond <= 0) {
            return new Pace(0, null, 0, 0);
        }
        // Cycles of at least 10 ms: at low rates one permit per cycle, evenly spaced; at high rates a
        // cycle holds several permits so the dispatcher can send a few per wake-up instead of being
        // bound by how finely a thread can park.
        int permitsPerCycle = (int) Math.max(1, Math.floor(ratePerSecond / 100));
        long permitPeriodNanos = Math.max(1, (long) Math.ceil(1e9 * UpstreamGuard.HEADROOM * permitsPerCycle / ratePerSecond));
        RateLimiterConfig config = RateLimiterConfig.custom()
                .limitForPeriod(permitsPerCycle)
                .limitRefreshPeriod(Duration.ofNanos(permitPeriodNanos))
                .timeoutDuration(Duration.ofNanos(permitPeriodNanos * 2))
                .build();
        return new Pace(ratePerSecond, new AtomicRateLimiter(name, config, nanoTime::getAsLong),
                permitPeriodNanos, permitsPerCycle == 1 ? permitPeriodNanos : 0);
    }

    boolean idle() {
        return limiter == null;
    }
}
