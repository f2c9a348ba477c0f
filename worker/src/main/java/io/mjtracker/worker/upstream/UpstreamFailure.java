package io.mjtracker.worker.upstream;

import java.time.Duration;

/**
 * A failed fetch as the Resilience4j retry and circuit breaker see it. Built without a stack trace:
 * it is a signal, thrown nowhere, created once per failed request.
 */
final class UpstreamFailure extends RuntimeException {

    private final transient FetchResult result;

    UpstreamFailure(FetchResult result) {
        super(result.metricTag(), null, false, false);
        this.result = result;
    }

    /** The server's {@code Retry-After} where it gave one. */
    Duration retryAfter() {
        return result instanceof FetchResult.RateLimited limited ? limited.retryAfter() : null;
    }

    boolean rateLimited() {
        return result instanceof FetchResult.RateLimited;
    }
}
