package io.mjtracker.worker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.mjtracker.common.record.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * All of mj-tracker's own meters, defined in one place (docs/metrics.md lists them). Tags are
 * low-cardinality: {@code outcome}, {@code result}, {@code reason}, and {@code upstream}, the metrics tag
 * of the upstream profile (its name unless profiles are grouped: at most 64 distinct values, checked at
 * start). Per-upstream meters are registered for every tag up front, so dashboards show zeros, not gaps.
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
    private final Timer pollLateness;
    private final Map<Outcome, Timer> taskDuration = new EnumMap<>(Outcome.class);
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final List<Supplier<Number>> countedSources = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, Counter> transactions = new ConcurrentHashMap<>();
    /** Profile name to metrics tag; a profile missing here is tagged with its name. */
    private final Map<String, String> tagOfProfile;
    private final Map<String, UpstreamMeters> upstreams = new ConcurrentHashMap<>();

    /** What a single fetch can answer: every {@code result} a task's own answer can carry. */
    private static final List<String> POLL_RESULTS = List.of(
            "ok", "not_found", "rate_limited", "unauthorized", "misconfigured", "server_error", "timeout", "io_error", "parse_error");
    /** Every {@code result} tag of the request counter: a fetch's, or a batch route the upstream does not serve. */
    private static final List<String> REQUEST_RESULTS = concat(POLL_RESULTS, "unsupported");
    /**
     * Every {@code kind} tag of the request meters: a fetch of one task, a batch of several, a canary (a
     * task known to exist, asked to tell a task's not-found from the whole upstream's), or a probe (a
     * half-open circuit's trial, or the one request at a time while a key or base URL is refused).
     */
    private static final List<String> REQUEST_KINDS = List.of("single", "batch", "canary", "probe");
    /**
     * Every {@code result} tag of the task answer counter: a task's own answer, the failure of the batch
     * it was in, {@code left_out} (a batch answered without it: it is asked alone next) or
     * {@code unsupported} (its batch hit a missing route: it goes out again as a single fetch).
     */
    public static final List<String> ANSWER_RESULTS = concat(POLL_RESULTS, "left_out", "unsupported");
    private static final String UPSTREAM = "upstream";

    private record UpstreamMeters(Map<String, Map<String, Counter>> requests, Map<String, Timer> requestDuration,
            Map<String, Counter> taskAnswers, Map<Outcome, Counter> finished, Counter taskPolls, DistributionSummary batchFill,
            Timer detectionLag) {}

    private static List<String> concat(List<String> first, String... more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return List.copyOf(all);
    }

    /**
     * @param deadLetterReasons every {@code reason} tag of the dead-letter counter
     * @param tagOfProfile every upstream profile's metrics tag, by profile name
     */
    public TrackerMetrics(MeterRegistry registry, java.util.Collection<String> deadLetterReasons, Map<String, String> tagOfProfile) {
        this.registry = registry;
        this.tagOfProfile = Map.copyOf(tagOfProfile);
        received = Counter.builder(PREFIX + "tasks.received").description("Task requests taken from the input topic").register(registry);
        statusPublished = Counter.builder(PREFIX + "status.updates.published").description("Status updates sent to the status topic").register(registry);
        unknownStatus = Counter.builder(PREFIX + "status.unknown").description("Polls that saw a status outside the known set").register(registry);
        statusFailed = Counter.builder(PREFIX + "status.updates.failed")
                .description("Status updates the broker did not take (broker away past the producer's buffer or timeout)").register(registry);
        checkpointed = Counter.builder(PREFIX + "requests.checkpointed")
                .description("Unfinished requests re-enqueued so the commit point could move past them").register(registry);
        trackerErrors = Counter.builder(PREFIX + "tracker.errors")
                .description("Unexpected errors the tracker loop survived (each logged with its task id)").register(registry);
        pollLateness = Timer.builder(PREFIX + "poll.lateness")
                .description("How late a poll left compared with its schedule")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1))
                // Client-side percentiles over the last minute, for the scale benchmark and quick looks.
                .publishPercentiles(0.5, 0.99).distributionStatisticExpiry(Duration.ofMinutes(1)).distributionStatisticBufferLength(2)
                .register(registry);
        for (Outcome outcome : Outcome.values()) {
            taskDuration.put(outcome, Timer.builder(PREFIX + "task.duration").description("The request (input record timestamp) to its final result")
                    .tag("outcome", outcome.name()).publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofSeconds(1)).maximumExpectedValue(Duration.ofHours(2)).register(registry));
        }
        this.tagOfProfile.values().forEach(this::upstream);
        deadLetterReasons.forEach(this::deadLetterCounter);
        transactionCounter("committed");
        transactionCounter("aborted");
    }

    /** Registers gauges read from live state. */
    public void gauges(Supplier<Number> partitionsAssigned, Supplier<Number> partitionsPaused, Supplier<Number> resultsPending) {
        gauge("partitions.assigned", "Input partitions assigned to this worker", partitionsAssigned, Tags.empty());
        gauge("partitions.paused", "Input partitions paused (in-flight cap, offsets not known yet, window full)",
                partitionsPaused, Tags.empty());
        gauge("results.pending", "Finished requests whose results are not committed yet", resultsPending, Tags.empty());
    }

    /**
     * Registers the in-flight cap's gauges: how close intake is to it and whether it holds intake now.
     *
     * @param openRequests requests open that count against the cap
     * @param heldAtCap 1 while intake is paused at the cap, else 0
     */
    public void capGauges(int cap, Supplier<Number> openRequests, Supplier<Number> heldAtCap) {
        gauge("requests.open", "Requests taken in and not yet answered and committed: what TRACKER_MAX_IN_FLIGHT caps",
                openRequests, Tags.empty());
        gauge("requests.open.limit", "TRACKER_MAX_IN_FLIGHT: intake pauses once this many requests are open", () -> cap, Tags.empty());
        gauge("intake.held.at.cap", "1 while intake is paused at TRACKER_MAX_IN_FLIGHT (requests wait in Kafka meanwhile), else 0",
                heldAtCap, Tags.empty());
    }

    /**
     * Registers the gauges of the ways intake can stop making progress (docs/runbooks: each has an alert).
     *
     * @param inDoubtSeconds how long the current result transaction's commit has been unconfirmed
     * @param awaitingOffsets partitions assigned whose committed offsets the broker withholds
     * @param awaitingOffsetsSeconds how long the one waiting longest has waited
     * @param windowFull partitions paused because their offset window is full
     */
    public void stallGauges(Supplier<Number> inDoubtSeconds, Supplier<Number> awaitingOffsets, Supplier<Number> awaitingOffsetsSeconds,
            Supplier<Number> windowFull) {
        gauge("transaction.in.doubt.seconds", "How long the current result transaction's commit has been unconfirmed (0: none)",
                inDoubtSeconds, Tags.empty());
        gauge("partitions.awaiting.offsets", "Input partitions assigned whose committed offsets the broker has not given yet",
                awaitingOffsets, Tags.empty());
        gauge("partitions.awaiting.offsets.seconds", "How long the partition waiting longest for its committed offset has waited",
                awaitingOffsetsSeconds, Tags.empty());
        gauge("partitions.window.full", "Input partitions paused because their offset window is full", windowFull, Tags.empty());
    }

    /**
     * Registers what the hanging-transaction check found: open transactions on the group's offsets that an
     * operator must look at, and those of this group's own producers it aborted.
     */
    public void hangingTransactions(Supplier<Number> unresolved, Supplier<Number> aborted) {
        gauge("hanging.transactions", "Open transactions on a partition the group writes, outliving any live one, not aborted by the worker",
                unresolved, Tags.empty());
        functionCounter("hanging.transactions.aborted", "Hanging transactions of this group's own producers the worker aborted, missed abort markers of its own included", aborted);
    }

    /** Registers what the group-coverage check found: input partitions no member owns, and the rounds this worker started. */
    public void groupCoverage(Supplier<Number> unowned, Supplier<Number> forced) {
        gauge("partitions.unowned", "Input partitions no member of the stable group has owned for 30 s or more (nobody reads them)",
                unowned, Tags.empty());
        functionCounter("group.rebalances.forced", "Full rebalances this worker started by leaving the group, because partitions had no owner",
                forced);
    }

    /**
     * Registers the per-upstream gauges: for each metrics tag, the sum (or, for sizes and periods, the
     * largest value) over the profiles carrying it.
     */
    public void upstreamGauges(List<? extends UpstreamGauges> lanes) {
        Map<String, List<UpstreamGauges>> byTag = new TreeMap<>();
        lanes.forEach(lane -> byTag.computeIfAbsent(tagOf(lane.upstream()), tag -> new ArrayList<>()).add(lane));
        byTag.forEach((tag, group) -> {
            Tags tags = Tags.of(UPSTREAM, tag);
            gauge("tasks.inflight", "Distinct tasks being tracked", sum(group, UpstreamGauges::trackedTasks), tags);
            gauge("rate.limit.share", "Requests per second this worker may send: its share of the group's rate limit",
                    sum(group, UpstreamGauges::rateShare), tags);
            gauge("polls.wanted", "Task polls per second the cadence asks for", sum(group, UpstreamGauges::demandPerSecond), tags);
            gauge("polls.budget", "Task polls per second the request budget allows (rate x ids per request)",
                    sum(group, UpstreamGauges::budgetPerSecond), tags);
            gauge("polls.overdue", "Polls due and waiting for the request budget", sum(group, UpstreamGauges::overduePolls), tags);
            gauge("batch.size", "Most task ids per request now: 1 while polling with single fetches",
                    max(group, UpstreamGauges::idsPerRequest), tags);
            gauge("upstream.refresh.period.seconds", "The upstream's sync tick learned from its answers (0: none seen)",
                    max(group, UpstreamGauges::refreshPeriodSeconds), tags);
            gauge("upstream.not.found.incident.seconds", "How long every task has answered not-found (0: no incident); "
                    + "its tasks end as NOT_FOUND after 30 minutes", max(group, UpstreamGauges::notFoundIncidentSeconds), tags);
            List<UpstreamGauges> hooked = group.stream().filter(UpstreamGauges::hooksEnabled).toList();
            if (!hooked.isEmpty()) {
                gauge("hooks.announced.share", "Of the task ends polls saw last (and, while trusted, changes no hook of the task "
                        + "preceded), the share a hook announced first",
                        () -> hooked.stream().mapToDouble(UpstreamGauges::hookShare).min().orElse(0), tags);
                gauge("hooks.trusted", "Profiles whose tasks are polled at the safety gap plus on hooks, their hooks announcing the ends",
                        sum(hooked, lane -> lane.hooksTrusted() ? 1 : 0), tags);
            }
            gauge("upstream.circuits.open", "Upstream profiles whose circuit is open (a refused key or wrong URL forces it)",
                    sum(group, lane -> lane.circuitOpen() ? 1 : 0), tags);
        });
    }

    private static Supplier<Number> sum(List<UpstreamGauges> group, ToDoubleFunction<UpstreamGauges> value) {
        return () -> group.stream().mapToDouble(value).sum();
    }

    private static Supplier<Number> max(List<UpstreamGauges> group, ToDoubleFunction<UpstreamGauges> value) {
        return () -> group.stream().mapToDouble(value).max().orElse(0);
    }

    private void gauge(String name, String description, Supplier<Number> value, Tags tags) {
        // Strong reference: the suppliers are lambdas nobody else holds; a weakly held gauge would read
        // NaN after the first garbage collection.
        io.micrometer.core.instrument.Gauge.builder(PREFIX + name, value).description(description).tags(tags)
                .strongReference(true).register(registry);
    }

    private void functionCounter(String name, String description, Supplier<Number> value) {
        // Micrometer holds a function counter's state weakly, and offers no strong reference for it: the
        // supplier, a lambda nobody else holds, is kept here, or the counter reads 0 after a garbage collection.
        countedSources.add(value);
        io.micrometer.core.instrument.FunctionCounter.builder(PREFIX + name, value, source -> source.get().doubleValue())
                .description(description).register(registry);
    }

    private String tagOf(String profile) {
        return tagOfProfile.getOrDefault(profile, profile);
    }

    /** The meters of one metrics tag, registered on first use. */
    private UpstreamMeters upstream(String tag) {
        return upstreams.computeIfAbsent(tag, this::register);
    }

    private UpstreamMeters forProfile(String profile) {
        return upstream(tagOf(profile));
    }

    private UpstreamMeters register(String tag) {
        Map<String, Map<String, Counter>> requests = new TreeMap<>();
        Map<String, Timer> durations = new TreeMap<>();
        for (String kind : REQUEST_KINDS) {
            Map<String, Counter> byResult = new TreeMap<>();
            for (String result : REQUEST_RESULTS) {
                byResult.put(result, Counter.builder(PREFIX + "upstream.requests")
                        .description("Upstream requests, each counted once, by kind and result").tags(UPSTREAM, tag, "kind", kind, "result", result)
                        .register(registry));
            }
            requests.put(kind, Map.copyOf(byResult));
            durations.put(kind, Timer.builder(PREFIX + "upstream.request.duration").description("Upstream request latency, by kind")
                    .tags(UPSTREAM, tag, "kind", kind).publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1)).register(registry));
        }
        Map<String, Counter> answers = new TreeMap<>();
        for (String result : ANSWER_RESULTS) {
            answers.put(result, Counter.builder(PREFIX + "task.answers")
                    .description("What each task asked was answered, alone or in a batch, counted once per task").tags(UPSTREAM, tag, "result", result)
                    .register(registry));
        }
        Map<Outcome, Counter> finished = new EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            finished.put(outcome, Counter.builder(PREFIX + "tasks.finished").description("Tasks ended, by outcome")
                    .tags(UPSTREAM, tag, "outcome", outcome.name()).register(registry));
        }
        return new UpstreamMeters(Map.copyOf(requests), Map.copyOf(durations), Map.copyOf(answers), finished,
                Counter.builder(PREFIX + "task.polls").description("Task polls sent: one per task asked, alone or in a batch")
                        .tag(UPSTREAM, tag).register(registry),
                DistributionSummary.builder(PREFIX + "batch.fill")
                        .description("Ids asked in a batch request as a share of the ids allowed (0..1)").tag(UPSTREAM, tag).register(registry),
                Timer.builder(PREFIX + "detection.lag").description("Upstream finishTime to final result committed")
                        .tag(UPSTREAM, tag).publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(50)).maximumExpectedValue(Duration.ofMinutes(10)).register(registry));
    }

    public void received(int count) {
        received.increment(count);
    }

    /**
     * One upstream request answered (or failed), whatever it asked.
     *
     * @param kind one of {@link #REQUEST_KINDS}
     * @param result one of {@link #REQUEST_RESULTS}
     */
    public void request(String upstream, String kind, String result, long latencyNanos) {
        UpstreamMeters meters = forProfile(upstream);
        meters.requests().get(kind).get(result).increment();
        meters.requestDuration().get(kind).record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    /** @param result one of {@link #ANSWER_RESULTS} */
    public void taskAnswer(String upstream, String result) {
        forProfile(upstream).taskAnswers().get(result).increment();
    }

    public void taskPolls(String upstream, int tasks) {
        forProfile(upstream).taskPolls().increment(tasks);
    }

    public void batchFill(String upstream, int asked, int allowed) {
        forProfile(upstream).batchFill().record(allowed <= 0 ? 0 : (double) asked / allowed);
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

    public void finished(String upstream, Outcome outcome, long durationMillis) {
        forProfile(upstream).finished().get(outcome).increment();
        taskDuration.get(outcome).record(Math.max(0, durationMillis), TimeUnit.MILLISECONDS);
    }

    public void detectionLag(String upstream, long millis) {
        forProfile(upstream).detectionLag().record(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    public void deadLettered(String reason) {
        deadLetterCounter(reason).increment();
    }

    public void transaction(boolean committed) {
        transactionCounter(committed ? "committed" : "aborted").increment();
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
