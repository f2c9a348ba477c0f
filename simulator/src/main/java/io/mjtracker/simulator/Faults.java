package io.mjtracker.simulator;

import java.time.Duration;

/**
 * Faults the simulator injects, all off by default. Immutable; change with the {@code with*} methods.
 *
 * @param latency added to every answer
 * @param latencyJitter up to this much more, uniformly
 * @param serverErrorRate share of answers replaced by a 500/502/503
 * @param rateLimitPerSecond token-bucket refill per second; 0 turns the 429 limiter off
 * @param rateLimitBurst bucket size
 * @param retryAfter whether 429 answers carry {@code Retry-After}
 * @param outage every answer is a 503 while true
 * @param malformedRate share of answers that are 200 with a truncated, non-JSON or HTML body
 * @param hostile an attack-like answer to every fetch, or NONE
 */
public record Faults(
        Duration latency,
        Duration latencyJitter,
        double serverErrorRate,
        double rateLimitPerSecond,
        int rateLimitBurst,
        boolean retryAfter,
        boolean outage,
        double malformedRate,
        Hostile hostile) {

    /** Answers no honest server gives. */
    public enum Hostile {
        NONE,
        /** A 200 whose body is about 5 MB. */
        HUGE_BODY,
        /** A 302 to another host. */
        REDIRECT,
        /** The connection closes with no answer. */
        RESET,
        /** The answer comes after 30 s. */
        SLOW,
        /**
         * The request is taken and nothing is answered for as long as the fault lasts (an upstream that
         * accepts connections and hangs); then the connection closes without an answer.
         */
        SILENT,
        /** A 200 HTML page, like a website or a captive portal. */
        HTML,
        /** A 200 whose JSON stops half-way. */
        TRUNCATED,
        /** A 200 whose body is plain text, as some proxies answer. */
        NOT_JSON
    }

    public static final Faults NONE = new Faults(Duration.ZERO, Duration.ZERO, 0, 0, 0, true, false, 0, Hostile.NONE);

    public Faults withLatency(Duration fixed, Duration jitter) {
        return new Faults(fixed, jitter, serverErrorRate, rateLimitPerSecond, rateLimitBurst, retryAfter, outage, malformedRate, hostile);
    }

    public Faults withServerErrorRate(double rate) {
        return new Faults(latency, latencyJitter, rate, rateLimitPerSecond, rateLimitBurst, retryAfter, outage, malformedRate, hostile);
    }

    public Faults withRateLimit(double perSecond, int burst, boolean sendRetryAfter) {
        return new Faults(latency, latencyJitter, serverErrorRate, perSecond, burst, sendRetryAfter, outage, malformedRate, hostile);
    }

    public Faults withOutage(boolean on) {
        return new Faults(latency, latencyJitter, serverErrorRate, rateLimitPerSecond, rateLimitBurst, retryAfter, on, malformedRate, hostile);
    }

    public Faults withMalformedRate(double rate) {
        return new Faults(latency, latencyJitter, serverErrorRate, rateLimitPerSecond, rateLimitBurst, retryAfter, outage, rate, hostile);
    }

    public Faults withHostile(Hostile value) {
        return new Faults(latency, latencyJitter, serverErrorRate, rateLimitPerSecond, rateLimitBurst, retryAfter, outage, malformedRate, value);
    }
}
