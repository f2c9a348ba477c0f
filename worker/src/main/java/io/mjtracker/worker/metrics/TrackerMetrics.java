package io.mjtracker.worker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.mjtracker.common.record.Outcome;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * All of mj-tracker's own meters, defined in one place (docs/metrics.md lists them). Tags are
 * low-cardinality: {@code outcome}, {@code result}, {@code reason}.
 */
public final class TrackerMetrics {

    public static final String PREFIX = "mjtracker.";

    private final MeterRegistry registry;
    private final Counter received;
    private final Counter statusPublished;
    private final Counter unknownStatus;
    private final Counter statusFailed;
    private final Counter checkpointed;
    private final Counter trackerErrors;
    private final Timer detectionLag;
    private final Timer pollLateness;
    private final Map<Outcome, Counter> finished = new EnumMap<>(Outcome.class);
    private final Map<Outcome, Timer> taskDuration = new EnumMap<>(Outcome.class);
    private final Map<String, Counter> polls = new ConcurrentHashMap<>();
    private final Map<String, Timer> requestDuration = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Map<String, Counter> transactions = new ConcurrentHashMap<>();
    private final Map<String, Counter> batchRequests = new ConcurrentHashMap<>();
    private final Counter taskPolls;
    private final DistributionSummary batchFill;

    /** Every {@code result} tag of the poll meters, registered up front so dashboards show zeros, not gaps. */
    public static final java.util.List<String> POLL_RESULTS = java.util.List.of(
            "ok", "not_found", "rate_limited", "unauthorized", "misconfigured", "server_error", "timeout", "io_error", "parse_error");

    /**
     * @param deadLetterReasons every {@code reason} tag of the dead-letter counter
     */
    public TrackerMetrics(MeterRegistry registry, java.util.Collection<String> deadLetterReasons) {
        this.registry = registry;
        received = Counter.builder(PREFIX + "tasks.received").description("Task requests taken from the input topic").register(registry);
        statusPublished = Counter.builder(PREFIX + "status.updates.published").description("Status updates sent to the status topic").register(registry);
        unknownStatus = Counter.builder(PREFIX + "status.unknown").description("Polls that saw a status outside the known set").register(registry);
        statusFailed = Counter.builder(PREFIX + "status.updates.failed")
                .description("Status updates the broker did not take (broker away past the producer's buffer or timeout)").register(registry);
        checkpointed = Counter.builder(PREFIX + "requests.checkpointed")
                .description("Unfinished requests re-enqueued so the commit point could move past them").register(registry);
        trackerErrors = Counter.builder(PREFIX + "tracker.errors")
                .description("Unexpected errors the tracker loop survived (each logged with its task id)").register(registry);
        detectionLag = Timer.builder(PREFIX + "detection.lag")
                .description("Upstream finishTime to final result committed")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(50)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        pollLateness = Timer.builder(PREFIX + "poll.lateness")
                .description("How late a poll left compared with its schedule")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1))
                // Client-side percentiles over the last minute, for the scale benchmark and quick looks.
                .publishPercentiles(0.5, 0.99).distributionStatisticExpiry(Duration.ofMinutes(1)).distributionStatisticBufferLength(2)
                .register(registry);
        for (Outcome outcome : Outcome.values()) {
            finished.put(outcome, Counter.builder(PREFIX + "tasks.finished").description("Tasks ended, by outcome")
                    .tag("outcome", outcome.name()).register(registry));
            taskDuration.put(outcome, Timer.builder(PREFIX + "task.duration").description("First seen to final result")
                    .tag("outcome", outcome.name()).publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofSeconds(1)).maximumExpectedValue(Duration.ofHours(2)).register(registry));
        }
        POLL_RESULTS.forEach(this::pollCounter);
        POLL_RESULTS.forEach(this::batchRequestCounter);
        batchRequestCounter("unsupported");
        taskPolls = Counter.builder(PREFIX + "task.polls")
                .description("Task polls sent: one per task asked, alone or in a batch").register(registry);
        batchFill = DistributionSummary.builder(PREFIX + "batch.fill")
                .description("Ids asked in a batch request as a share of the ids allowed (0..1)").register(registry);
        deadLetterReasons.forEach(this::deadLetterCounter);
        transactionCounter("committed");
        transactionCounter("aborted");
    }

    /** Registers gauges read from live state. */
    public void gauges(Supplier<Number> tasksInFlight, Supplier<Number> partitionsAssigned,
            Supplier<Number> partitionsPaused, Supplier<Number> resultsPending, Supplier<Number> rateShare) {
        gauge("tasks.inflight", "Distinct tasks being tracked", tasksInFlight);
        gauge("partitions.assigned", "Input partitions assigned to this worker", partitionsAssigned);
        gauge("partitions.paused", "Input partitions paused (in-flight cap or open circuit)", partitionsPaused);
        gauge("results.pending", "Finished requests whose results are not committed yet", resultsPending);
        gauge("rate.limit.share", "Requests per second this worker may send: its share of the group's rate limit", rateShare);
    }

    /**
     * Registers the demand-versus-budget gauges.
     *
     * @param wanted task-polls per second the cadence asks for
     * @param budget task-polls per second the rate limit allows now (requests per second times ids per request)
     * @param overdue polls due and waiting for the budget
     * @param batchSize ids per request now (1: single fetches)
     */
    public void budgetGauges(Supplier<Number> wanted, Supplier<Number> budget, Supplier<Number> overdue, Supplier<Number> batchSize) {
        gauge("polls.wanted", "Task polls per second the cadence asks for", wanted);
        gauge("polls.budget", "Task polls per second the request budget allows (rate x ids per request)", budget);
        gauge("polls.overdue", "Polls due and waiting for the request budget", overdue);
        gauge("batch.size", "Most task ids per request now: 1 while polling with single fetches", batchSize);
    }

    /** @param periodSeconds the upstream's sync tick as learned from its answers, 0 where it shows none */
    public void refreshGauge(Supplier<Number> periodSeconds) {
        gauge("upstream.refresh.period.seconds", "The upstream's sync tick learned from its answers (0: none seen)", periodSeconds);
    }

    private void gauge(String name, String description, Supplier<Number> value) {
        // Strong reference: the suppliers are method references nobody else holds; a weakly held
        // gauge would read NaN after the first garbage collection.
        io.micrometer.core.instrument.Gauge.builder(PREFIX + name, value).description(description)
                .strongReference(true).register(registry);
    }

    public void received(int count) {
        received.increment(count);
    }

    public void poll(String result, long latencyNanos) {
        pollCounter(result).increment();
        requestDuration.computeIfAbsent(result, tag -> Timer.builder(PREFIX + "upstream.request.duration")
                .description("Upstream request latency").tag("result", tag).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1))
                .register(registry)).record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    public void batchRequest(String result) {
        batchRequestCounter(result).increment();
    }

    public void taskPolls(int tasks) {
        taskPolls.increment(tasks);
    }

    public void batchFill(int asked, int allowed) {
        batchFill.record(allowed <= 0 ? 0 : (double) asked / allowed);
    }

    public void pollLateness(long millis) {
        pollLateness.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    public void statusPublished() {
        statusPublished.increment();
    }

    public void statusFailed() {
        statusFailed.increment();
    }

    public void checkpointed(int requests) {
        checkpointed.increment(requests);
    }

    public void trackerError() {
        trackerErrors.increment();
    }

    public void unknownStatus() {
        unknownStatus.increment();
    }

    public void finished(Outcome outcome, long durationMillis) {
        finished.get(outcome).increment();
        taskDuration.get(outcome).record(Math.max(0, durationMillis), TimeUnit.MILLISECONDS);
    }

    public void detectionLag(long millis) {
        detectionLag.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    public void deadLettered(String reason) {
        deadLetterCounter(reason).increment();
    }

    public void transaction(boolean committed) {
        transactionCounter(committed ? "committed" : "aborted").increment();
    }

    private Counter pollCounter(String result) {
        return polls.computeIfAbsent(result, tag -> Counter.builder(PREFIX + "polls").description("Upstream polls by result")
                .tag("result", tag).register(registry));
    }

    private Counter batchRequestCounter(String result) {
        return batchRequests.computeIfAbsent(result, tag -> Counter.builder(PREFIX + "batch.requests")
                .description("Batch (list-by-condition) requests by result").tag("result", tag).register(registry));
    }

    private Counter deadLetterCounter(String reason) {
        return deadLetters.computeIfAbsent(reason, tag -> Counter.builder(PREFIX + "dlq.records")
                .description("Input records sent to the dead-letter topic").tag("reason", tag).register(registry));
    }

    private Counter transactionCounter(String result) {
        return transactions.computeIfAbsent(result, tag -> Counter.builder(PREFIX + "transactions")
                .description("Result transactions").tag("result", tag).register(registry));
    }
}
