package io.mjtracker.worker.upstream;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.mjtracker.worker.config.ResilienceSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when the next request may leave, from one Resilience4j RateLimiter, CircuitBreaker and
 * Retry per upstream. It never blocks: {@link #nanosUntilPermitted()} says how long to wait, so the
 * single dispatcher thread can park while still serving its queue.
 *
 * <p>The rate limiter hands out permits in cycles of about 10 ms rather than {@code rate} permits per
 * second, so requests are spread evenly and no sliding one-second window ever holds more than the
 * limit; the spacing keeps 3% headroom ({@link #HEADROOM}) so that network jitter, which can delay one
 * request and not the next, does not push a window measured at the server over the limit. The rate is
 * this instance's share of the group's limit and changes on rebalances ({@link #shareRate}). A 429
 * pauses every request of this instance (the limit is per key, not per task) for its {@code Retry-After}.
 * A 429's pause is capped at {@code TRACKER_RETRY_MAX_BACKOFF}, so a server asking for a day does not
 * stop polling for a day. A 401, a 403 that is not one task's own (see {@link #record}), a wrong base
 * URL, or a whole-upstream not-found ({@link NotFoundWatch}) forces the circuit open and lets one probe
 * through per probe interval. While the circuit is not closed the {@link UnavailabilityClock} runs.
 */
public final class UpstreamGuard {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamGuard.class);
    private static final long OPEN_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How soon an instance whose share is 0 looks again whether it got one. */
    private static final long IDLE_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final Duration DEFAULT_RATE_LIMIT_PAUSE = Duration.ofSeconds(1);
    /** Permits are spaced this much wider than {@code 1/rate}. */
    static final double HEADROOM = 1.03;

    /** The upstream profile's name: the {@code name} tag of its Resilience4j meters. */
    private final String name;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final RateLimiterRegistry rateLimiters;
    private final CircuitBreakerRegistry circuitBreakers;
    private final RetryRegistry retries;
    private final CircuitBreaker circuitBreaker;
    private final Retry retry;
    private final Duration probeInterval;
    private final Duration maxRateLimitPause;
    private final UnavailabilityClock unavailability;
    private final NotFoundWatch notFoundWatch;
    private boolean believedReported;
    private boolean lastAnswerFound;
    /** Replaced by the consumer thread on a rebalance ({@link #shareRate}), read by the dispatcher thread. */
    private volatile Pace pace;
    /** The pace the dispatcher's reservation was made under; the rest of the rate state is the dispatcher's alone. */
    private Pace reservedUnder;
    private long reservedPermitAtNanos = -1;
    private long lastSendNanos;
    /**
     * When a Retry-After pause ends, on the nanosecond clock: a pause kept in whole milliseconds ended up to
     * two of them early (both ends floored), and a request let out before a gateway's Retry-After date meets
     * its 429 again.
     */
    private long pausedUntilNanos;
    private long probeAtMillis;
    private boolean misconfigurationReported;
    /** Set while the configuration is suspect (401/403, wrong base URL): requests go out one at a time. */
    private boolean probing;
    private boolean probeOutstanding;

    /**
     * @param clock time for pauses and probes
     * @param nanoTime the rate limiter's and the send spacing's time source ({@code System::nanoTime}, as
     *     Resilience4j's registry-built limiters use); tests drive it from the same fake clock as {@code clock}
     */
    public UpstreamGuard(String name, ResilienceSettings settings, Clock clock, LongSupplier nanoTime) {
        this.name = name;
        this.clock = clock;
        this.nanoTime = nanoTime;
        // As if the last send were long past: the first request never waits for spacing.
        this.lastSendNanos = nanoTime.getAsLong() - TimeUnit.DAYS.toNanos(365);
        this.pausedUntilNanos = lastSendNanos;
        this.pace = Pace.of(name, settings.ratePerSecond(), nanoTime);
        // The registry only lists the limiter for the metrics; the one in use runs on the injected time source.
        this.rateLimiters = RateLimiterRegistry.of(pace.limiter().getRateLimiterConfig());
        rateLimiters.rateLimiter(name);
        rateLimiters.replace(name, pace.limiter());
        this.circuitBreakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.breakerWindow())
                .minimumNumberOfCalls(Math.max(2, settings.breakerWindow() / 2))
                .failureRateThreshold(settings.breakerFailureRatePercent())
                .waitDurationInOpenState(settings.breakerOpenDuration())
                .permittedNumberOfCallsInHalfOpenState(3)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .clock(clock)
                .ignoreException(failure -> failure instanceof UpstreamFailure upstream && upstream.rateLimited())
                .build());
        this.circuitBreaker = circuitBreakers.circuitBreaker(name);
        IntervalFunction backoff = IntervalFunction.ofExponentialRandomBackoff(
                settings.retryInitialBackoff(), 2.0, 0.5, settings.retryMaxBackoff());
        long longestPauseMillis = settings.retryMaxBackoff().toMillis();
        IntervalBiFunction<FetchResult> interval = (attempt, outcome) -> {
            long base = backoff.apply(attempt);
            // Retry-After is honoured up to the same cap as the lane's pause: a quota's "come back in an
            // hour" must not park the tasks it was said about longer than the lane itself waits.
            if (outcome.isLeft() && outcome.getLeft() instanceof UpstreamFailure failure && failure.retryAfter() != null) {
                return Math.max(base, Math.min(failure.retryAfter().toMillis(), longestPauseMillis));
            }
            return base;
        };
        this.retries = RetryRegistry.of(RetryConfig.<FetchResult>custom()
                .maxAttempts(settings.retryMaxAttempts())
                .intervalBiFunction(interval)
                .retryOnException(failure -> failure instanceof UpstreamFailure)
                .failAfterMaxAttempts(false)
                .build());
        this.retry = retries.retry(name);
        this.probeInterval = settings.breakerOpenDuration();
        this.maxRateLimitPause = settings.retryMaxBackoff();
        this.unavailability = new UnavailabilityClock(clock);
        this.notFoundWatch = new NotFoundWatch(clock);
        circuitBreaker.getEventPublisher().onStateTransition(event -> {
            if (event.getStateTransition().getToState() == CircuitBreaker.State.CLOSED) {
                unavailability.resumed();
            } else {
                unavailability.stopped();
            }
            logTransition(event.getStateTransition());
        });
    }

    /**
     * A state change of the upstream is one line, not one per task: the circuit opening and closing at
     * WARN and INFO; the probe rounds of a long outage (half-open and back to open every open period)
     * only at DEBUG. Forced states are logged where they are forced.
     */
    private void logTransition(CircuitBreaker.StateTransition transition) {
        CircuitBreaker.State from = transition.getFromState();
        CircuitBreaker.State to = transition.getToState();
        if (from == CircuitBreaker.State.CLOSED && to == CircuitBreaker.State.OPEN) {
            LOG.atWarn().addKeyValue("upstream", name).log("upstream '{}': circuit open after failures; requests stop, "
                    + "probes every {} until it answers again (its tasks are kept and their clocks paused)", name, probeInterval);
        } else if (from == CircuitBreaker.State.HALF_OPEN && to == CircuitBreaker.State.CLOSED) {
            LOG.atInfo().addKeyValue("upstream", name).log("upstream '{}': circuit closed, it answers again; polling resumes", name);
        } else {
            LOG.atDebug().addKeyValue("upstream", name).log("upstream '{}': circuit {} -> {}", name, from, to);
        }
    }

    /**
     * Nanoseconds to wait before the next request may be sent, or 0 where it may be sent now, in which
     * case a rate permit and a circuit-breaker permission have been taken for it and the caller must
     * send the request and report it to {@link #record}.
     */
    public long nanosUntilPermitted() {
        long now = clock.millis();
        long paused = pausedUntilNanos - nanoTime.getAsLong();
        if (paused > 0) {
            return paused;
        }
        if (probeOutstanding) {
            // One probe at a time while the configuration is suspect: wait for its answer.
            return OPEN_RECHECK_NANOS;
        }
        CircuitBreaker.State state = circuitBreaker.getState();
        if (state == CircuitBreaker.State.FORCED_OPEN) {
            if (now < probeAtMillis) {
                return TimeUnit.MILLISECONDS.toNanos(probeAtMillis - now);
            }
            LOG.info("upstream '{}': probing once to see whether its configuration was fixed", name);
            circuitBreaker.transitionToHalfOpenState();
            probing = true;
        }
        // An OPEN circuit turns half-open in tryAcquirePermission once its wait is over (on the injected
        // clock); until then the permit below is refused and the caller checks again shortly.
        long nanosToPermit = takeRatePermit();
        if (nanosToPermit > 0) {
            return nanosToPermit;
        }
        if (!circuitBreaker.tryAcquirePermission()) {
            return OPEN_RECHECK_NANOS;
        }
        probeOutstanding = probing;
        return 0;
    }

    private long takeRatePermit() {
        Pace current = pace;
        if (current != reservedUnder) {
            // A permit reserved at the old rate is given up: a lowered share holds from its first request.
            reservedUnder = current;
            reservedPermitAtNanos = -1;
        }
        if (current.idle()) {
            return IDLE_RECHECK_NANOS;
        }
        long nowNanos = nanoTime.getAsLong();
        // A send delayed by other work must not be followed at once by the next one: the limiter's
        // permits are evenly spaced in its own time, this keeps them spaced in actual send time too,
        // so an upstream token bucket with a small burst never sees two requests closer than 1/rate.
        long sinceLastSend = nowNanos - lastSendNanos;
        if (sinceLastSend < current.minSpacingNanos()) {
            return current.minSpacingNanos() - sinceLastSend;
        }
        if (reservedPermitAtNanos >= 0) {
            if (nowNanos - reservedPermitAtNanos >= 0) {
                reservedPermitAtNanos = -1;
                lastSendNanos = nowNanos;
                return 0;
            }
            return reservedPermitAtNanos - nowNanos;
        }
        long wait = current.limiter().reservePermission();
        if (wait == 0) {
            lastSendNanos = nowNanos;
            return 0;
        }
        if (wait < 0) {
            return current.permitPeriodNanos();
        }
        reservedPermitAtNanos = nowNanos + wait;
        return wait;
    }

    /**
     * The next request keeps the send spacing from now, as if one had been sent now (below 200 requests a
     * second, where permits are spaced one by one): for a request known to have reached the upstream only
     * somewhere between its send and its answer (the first one, over a cold client's first connection), its
     * answer is the last moment it can have arrived. Dispatcher thread.
     */
    public void spaceFromNow() {
        lastSendNanos = nanoTime.getAsLong();
    }

    /**
     * Sets the rate this instance may send at: its share of the group's limit; 0 lets nothing out.
     * Requests from the next one on are spaced for the new rate, counted from the last request sent, so
     * a lowered rate holds at once (above 100/s, where a cycle holds several permits, the first new cycle
     * may follow the last old one at once: one cycle, a hundredth of a second's worth, within
     * {@link #HEADROOM}). Safe to call from another thread than the one asking for permits.
     */
    public void shareRate(double ratePerSecond) {
        Pace next = Pace.of(name, ratePerSecond, nanoTime);
        pace = next;
        if (!next.idle()) {
            rateLimiters.replace(name, next.limiter());
        }
    }

    /**
     * Feeds the outcome of a request for {@code taskId} to the circuit breaker, the global pause and the
     * not-found watch.
     *
     * @return true where the answer is a refusal of this one task (a 403 right after another task was
     *     answered: a task of another key, not a rejected key), which the caller handles per task
     */
    public boolean record(String taskId, FetchResult result, long latencyNanos) {
        probeOutstanding = false;
        boolean previousFound = lastAnswerFound;
        lastAnswerFound = result instanceof FetchResult.Found;
        switch (result) {
            case FetchResult.Found found -> {
                found(taskId);
                succeeded(latencyNanos);
            }
            case FetchResult.NotFound notFound -> {
                boolean started = notFoundWatch.notFound(taskId);
                if (notFoundWatch.inIncident()) {
                    notFoundIncident(started);
                } else {
                    reportBelieved();
                    succeeded(latencyNanos);
                }
            }
            case FetchResult.RateLimited limited -> {
                circuitBreaker.onError(latencyNanos, TimeUnit.NANOSECONDS, new UpstreamFailure(result));
                Duration pause = limited.retryAfter() != null ? limited.retryAfter() : DEFAULT_RATE_LIMIT_PAUSE;
                if (pause.compareTo(maxRateLimitPause) > 0) {
                    pause = maxRateLimitPause;
                }
                long until = nanoTime.getAsLong() + pause.toNanos();
                if (until - pausedUntilNanos > 0) {
                    pausedUntilNanos = until;
                }
                // A spent quota is not the task's fault: its TIMED_OUT clock stops until the upstream answers again.
                unavailability.refused();
            }
            case FetchResult.Unauthorized unauthorized when unauthorized.status() == 403 && previousFound -> {
                circuitBreaker.onSuccess(latencyNanos, TimeUnit.NANOSECONDS);
                return true;
            }
            case FetchResult.Unauthorized unauthorized -> forceOpen(unauthorized.message()
                    + ": the upstream rejects the key (" + settingsNamed() + ")");
            case FetchResult.Misconfigured misconfigured -> forceOpen(misconfigured.message());
            default -> circuitBreaker.onError(latencyNanos, TimeUnit.NANOSECONDS, new UpstreamFailure(result));
        }
        return false;
    }

    /**
     * Feeds the outcome of a batch request to the breaker and the pause: one request, whatever the ids
     * it asked. A refused key is never one task's refusal here, and a missing route is an answer, not
     * an outage ({@link BatchSupport} decides what it means).
     */
    public void recordBatch(BatchResult result, long latencyNanos) {
        switch (result) {
            case BatchResult.Failed failed when failed.failure() instanceof FetchResult.Unauthorized unauthorized -> {
                probeOutstanding = false;
                forceOpen(unauthorized.message() + ": the upstream rejects the key (" + settingsNamed() + ")");
            }
            case BatchResult.Failed failed -> record(null, failed.failure(), latencyNanos);
            case BatchResult.Answered answered -> {
                probeOutstanding = false;
                // Found tasks feed the not-found watch (one is enough: it remembers a task known to exist).
                answered.byId().keySet().stream().findFirst().ifPresent(this::found);
                succeeded(latencyNanos);
            }
            case BatchResult.Unsupported unsupported -> {
                probeOutstanding = false;
                circuitBreaker.onSuccess(latencyNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    private void found(String taskId) {
        lastAnswerFound = true;
        if (notFoundWatch.found(taskId)) {
            LOG.info("upstream '{}': tasks are found again; not-found answers count again", name);
        }
    }

    /** A task id to ask about before trusting the current run of not-found answers, or null. */
    public String canaryToCheck() {
        return notFoundWatch.canaryToCheck();
    }

    /**
     * The answer about the canary task ({@link #canaryToCheck}). It was sent under a circuit-breaker
     * permission like any request, so every outcome is reported: a half-open circuit decides only once
     * all its trial calls have reported, and one that never does refuses every request after it.
     */
    public void recordCanary(FetchResult result, long latencyNanos) {
        switch (result) {
            case FetchResult.Found found -> {
                probeOutstanding = false;
                notFoundWatch.canaryAnswered(true, false);
                succeeded(latencyNanos);
            }
            case FetchResult.NotFound notFound -> {
                probeOutstanding = false;
                notFoundIncident(notFoundWatch.canaryAnswered(false, true));
            }
            default -> {
                // No answer about the task: the question stays open, and the failure counts as any request's.
                notFoundWatch.canaryAnswered(false, false);
                record(null, result, latencyNanos);
            }
        }
    }

    /** Whether a not-found answer may end a task now (no whole-upstream not-found under way). */
    public boolean notFoundTrusted() {
        return notFoundWatch.trusted();
    }

    /** Once per incident: from now on its not-found answers end tasks. */
    private void reportBelieved() {
        if (notFoundWatch.believed() && !believedReported) {
            believedReported = true;
            LOG.error("upstream '{}': every task has answered not-found for {} and none was found: taking the answers as "
                    + "they are, its tasks end as NOT_FOUND (the upstream lost them, or its base URL is wrong)",
                    name, NotFoundWatch.INCIDENT_LIMIT);
        } else if (!notFoundWatch.believed()) {
            believedReported = false;
        }
    }

    /** How long every task of this upstream has answered not-found, in milliseconds; 0 outside an incident. */
    public long notFoundIncidentMillis() {
        return notFoundWatch.incidentMillis();
    }

    private void notFoundIncident(boolean justStarted) {
        if (justStarted) {
            misconfigurationReported = false;
        }
        forceOpen("every task answers not-found (" + notFoundWatch.runLength() + " different tasks in a row"
                + (notFoundWatch.canary() == null ? "" : ", task " + notFoundWatch.canary() + " too, which was found before")
                + "): the base URL may carry a wrong path prefix, or the upstream lost its tasks; "
                + "no task ends as NOT_FOUND until tasks are found again, or for " + NotFoundWatch.INCIDENT_LIMIT.toMinutes() + " minutes");
    }

    /** The clock of time the upstream was unavailable, for TIMED_OUT limits. */
    public UnavailabilityClock unavailability() {
        return unavailability;
    }

    private void succeeded(long latencyNanos) {
        unavailability.answered();
        circuitBreaker.onSuccess(latencyNanos, TimeUnit.NANOSECONDS);
        probing = false;
        if (misconfigurationReported) {
            misconfigurationReported = false;
            LOG.info("upstream '{}' accepts requests again; its polling resumes", name);
        }
    }

    private void forceOpen(String reason) {
        if (!misconfigurationReported) {
            misconfigurationReported = true;
            LOG.error("upstream '{}': stopping its polling (other upstreams go on), its tasks are kept: {}. One probe every {} until it is fixed.",
                    name, reason, probeInterval);
        }
        circuitBreaker.transitionToForcedOpenState();
        probeAtMillis = clock.millis() + probeInterval.toMillis();
    }

    /** A retry context for one task's run of transient failures. */
    public Retry.AsyncContext<FetchResult> newRetryContext() {
        return retry.asyncContext();
    }

    /** Wraps a transient failure for {@link Retry.AsyncContext#onError}. */
    public static RuntimeException failureOf(FetchResult result) {
        return new UpstreamFailure(result);
    }

    /**
     * Whether a request sent now is a probe: a half-open circuit's trial, or the one request at a time
     * while the key or base URL is refused. Dispatcher thread.
     */
    public boolean probing() {
        return probing || circuitBreaker.getState() == CircuitBreaker.State.HALF_OPEN;
    }

    /** True while the circuit is open (not while half-open, probing): the gauge of open circuits. */
    public boolean circuitOpen() {
        CircuitBreaker.State state = circuitBreaker.getState();
        return state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
    }

    /** Which settings hold this upstream's key and header, for messages that tell what to fix. */
    private String settingsNamed() {
        return name.equals("default") ? "MJ_API_KEY, or MJ_API_AUTH_HEADER is wrong"
                : "upstream '" + name + "': its key, or its auth-header is wrong";
    }

    /** The rate this instance may send at now: its share of the profile's group limit. */
    public double ratePerSecond() {
        return pace.ratePerSecond();
    }

    /** The registries holding this guard's instances, for resilience4j-micrometer's tagged metrics. */
    public RateLimiterRegistry rateLimiters() {
        return rateLimiters;
    }

    public CircuitBreakerRegistry circuitBreakers() {
        return circuitBreakers;
    }

    public RetryRegistry retries() {
        return retries;
    }

    public CircuitBreaker.State circuitState() {
        return circuitBreaker.getState();
    }
}
