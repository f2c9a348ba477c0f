package io.mjtracker.worker.config;

import java.time.Duration;

/** Settings of the Resilience4j rate limiter, retry and circuit breaker guarding the upstream. */
public record ResilienceSettings(
        double ratePerSecond,
        int retryMaxAttempts,
        Duration retryInitialBackoff,
        Duration retryMaxBackoff,
        int breakerFailureRatePercent,
        int breakerWindow,
        Duration breakerOpenDuration) {}
