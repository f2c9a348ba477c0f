package io.mjtracker.simulator;

/** The upstream's own rate limit: a token bucket, as most API gateways run one per key. Thread-safe. */
final class TokenBucket {

    private final double perNano;
    private final double capacity;
    private double tokens;
    private long lastNanos;

    TokenBucket(double perSecond, int burst, long nowNanos) {
        this.perNano = perSecond / 1e9;
        this.capacity = Math.max(1, burst);
        this.tokens = capacity;
        this.lastNanos = nowNanos;
    }

    /** Takes a token if one is there; otherwise says how many whole seconds until one is (at least 1). */
    synchronized long tryTake(long nowNanos) {
        tokens = Math.min(capacity, tokens + (nowNanos - lastNanos) * perNano);
        lastNanos = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / perNano / 1e9));
    }
}
