package io.mjtracker.worker.hooks;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per source address for accepted hooks: a rate, and a burst of twice it. The sources
 * remembered are bounded (least recently seen forgotten first), so a scan from many addresses cannot
 * grow it; a forgotten source starts again with a full bucket, which costs at most one burst.
 */
final class SourceRateLimit {

    static final int MAX_SOURCES = 10_000;

    private final double perNano;
    private final double burst;
    private final LongSupplier nanoTime;
    private static final class Bucket {
        double tokens;
        long refilledAtNanos;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAtNanos = now;
        }
    }

    private final Map<String, Bucket> buckets = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
            return size() > MAX_SOURCES;
        }
    };

    SourceRateLimit(double perSecond, LongSupplier nanoTime) {
        this.perNano = perSecond / 1e9;
        this.burst = Math.max(1, perSecond * 2);
        this.nanoTime = nanoTime;
    }

    /** Takes one permit for {@code source}; false where its bucket is empty. */
    synchronized boolean tryAcquire(String source) {
        long now = nanoTime.getAsLong();
        Bucket bucket = buckets.computeIfAbsent(source, key -> new Bucket(burst, now));
        bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.refilledAtNanos) * perNano);
        bucket.refilledAtNanos = now;
        if (bucket.tokens < 1) {
            return false;
        }
        bucket.tokens -= 1;
        return true;
    }
}
