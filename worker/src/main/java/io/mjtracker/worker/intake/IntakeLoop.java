package io.mjtracker.worker.intake;

import io.mjtracker.common.record.RecordHeaders;
import io.mjtracker.common.record.RequestRef;
import io.mjtracker.worker.config.KafkaSettings;
import io.mjtracker.worker.config.TrackingSettings;
import io.mjtracker.worker.metrics.HealthState;
import io.mjtracker.worker.metrics.TrackerMetrics;
import io.mjtracker.worker.publish.DeadLetter;
import io.mjtracker.worker.publish.ResultPublisher;
import io.mjtracker.worker.publish.Transaction;
import io.mjtracker.worker.tracking.Completion;
import io.mjtracker.worker.tracking.TaskRequest;
import io.mjtracker.worker.tracking.Tracker;
import io.mjtracker.worker.upstream.UnavailabilityClock;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer thread: polls the input topic, hands requests to the {@link Tracker}, and commits
 * finished work. It never waits on HTTP. Each loop: poll; take records in (or dead-letter them);
 * fetch the committed offsets of partitions just assigned ({@link Assignments}); collect completions; every {@link
 * #COMMIT_INTERVAL} publish results, dead letters, checkpoints and offsets in one transaction
 * ({@link CommitPlan}); pause or resume partitions for backpressure and the metadata window. An upstream
 * outage pauses nothing: the other upstreams' requests keep coming in, and the dead one's wait in memory
 * up to the in-flight cap.
 */
public final class IntakeLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(IntakeLoop.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);
    /** A record timestamp this far ahead of the worker's clock is not believed: the request counts from now. */
    private static final Duration FUTURE_TIMESTAMP_TOLERANCE = Duration.ofMinutes(5);
    /** The part of the shutdown timeout kept for the final commit. */
    private static final Duration FINAL_COMMIT_RESERVE = Duration.ofSeconds(5);

    private final KafkaSettings kafka;
    private final TrackingSettings tracking;
    private final Consumer<byte[], byte[]> consumer;
    private final ResultPublisher results;
    private final Tracker tracker;
    private final RequestParser parser;
    private final CheckpointCodec checkpoints;
    private final TrackerMetrics metrics;
    private final HealthState health;
    /** Each upstream profile's unavailability clock, by name, for the TIMED_OUT credit of its requests. */
    private final Map<String, UnavailabilityClock> unavailability;
    private final Clock clock;
    private final Duration shutdownTimeout;
    private final int readAheadMargin;
    private final BrokerContact brokerContact;
    private final BudgetShare budget;
    private final TransactionBounds bounds;

    private final Assignments assignments;
    private final Map<TopicPartition, OwnedPartition> owned;
    private final Set<TopicPartition> awaitingOffsets;
    private final List<Completion> finished = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final Backpressure backpressure;
    private CommitPlan inDoubt;
    private int held;
    private volatile boolean stopRequested;
    private volatile int assignedCount;
    private volatile int pausedCount;
    private volatile int pendingCount;
    private volatile long inDoubtSinceMillis = -1;
    private volatile int awaitingCount;
    private volatile long longestOffsetWaitMillis;
    private volatile int windowFullCount;
    private volatile int openCount;
    private volatile boolean heldAtCap;
    private long lastCommitMillis;

    public IntakeLoop(KafkaSettings kafka, TrackingSettings tracking, Consumer<byte[], byte[]> consumer,
            ResultPublisher results, Tracker tracker, RequestParser parser, TrackerMetrics metrics,
            HealthState health, Map<String, UnavailabilityClock> unavailability, Clock clock, Duration shutdownTimeout, int readAheadMargin,
            BudgetShare budget, TransactionBounds bounds) {
        this.kafka = kafka;
        this.tracking = tracking;
        this.consumer = consumer;
        this.results = results;
        this.tracker = tracker;
        this.parser = parser;
        this.checkpoints = new CheckpointCodec(parser.mapper());
        this.metrics = metrics;
        this.health = health;
        this.unavailability = Map.copyOf(unavailability);
        this.clock = clock;
        this.shutdownTimeout = shutdownTimeout;
        this.readAheadMargin = readAheadMargin;
        this.budget = budget;
        this.bounds = bounds;
        this.brokerContact = new BrokerContact(consumer);
        this.assignments = new Assignments(consumer, clock, readAheadMargin);
        this.backpressure = new Backpressure(consumer, tracking);
        this.owned = assignments.owned();
        this.awaitingOffsets = assignments.awaiting();
    }

    public int assignedPartitions() {
        return assignedCount;
    }

    public int pausedPartitions() {
        return pausedCount;
    }

    /** Finished requests whose results are not committed yet. */
    public int pendingResults() {
        return pendingCount;
    }

    /** How long the current result transaction has been in doubt (its commit or abort unconfirmed), in ms; 0 when none is. */
    public long inDoubtMillis() {
        long since = inDoubtSinceMillis;
        return since < 0 ? 0 : Math.max(0, clock.millis() - since);
    }

    /** Partitions assigned whose committed offsets the broker has not given yet. */
    public int partitionsAwaitingOffsets() {
        return awaitingCount;
    }

    /** How long the partition waiting longest for its committed offset has waited, in ms. */
    public long longestOffsetWaitMillis() {
        return longestOffsetWaitMillis;
    }

    /** Partitions paused because their offset window is full. */
    public int windowFullPartitions() {
        return windowFullCount;
    }

    /** Requests open that count against {@code TRACKER_MAX_IN_FLIGHT}: taken in, not yet answered and committed. */
    public int openRequests() {
        return openCount;
    }

    /** Whether intake is paused at the in-flight cap (until open requests fall below the resume mark). */
    public boolean heldAtCap() {
        return heldAtCap;
    }

    /** Asks the loop to stop; it finishes outstanding requests, commits and closes the consumer. */
    public void stop() {
        stopRequested = true;
        consumer.wakeup();
    }

    @Override
    public void run() {
        consumer.subscribe(List.of(kafka.topics().input()), new Rebalance());
        try {
            while (!stopRequested) {
                try {
                    var records = consumer.poll(POLL_TIMEOUT);
                    if (!records.isEmpty()) {
                        health.brokerAnswered();
                    }
                    takeIn(records);
                } catch (WakeupException e) {
                    // stop() woke the poll; the loop condition decides.
                }
                health.heartbeatSecondsAgo(brokerContact.secondsSinceHeartbeat());
                assignments.fetchAwaited();
                budget.recheck();
                collectCompletions();
                if (clock.millis() - lastCommitMillis >= COMMIT_INTERVAL.toMillis()) {
                    commit();
                }
                applyBackpressure();
            }
            shutDown();
        } finally {
            health.stopped();
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * {@code TRACKER_SHUTDOWN_TIMEOUT} bounds the whole drain, not each phase: the requests in flight get it
     * all but a reserve for the final commit (which waits at most {@code max.block.ms} a try), so that the
     * orchestrator's grace period only has to cover the timeout plus closing the clients.
     */
    private void shutDown() {
        LOG.info("stopping intake; waiting up to {} for requests already sent", shutdownTimeout);
        long deadline = clock.millis() + shutdownTimeout.toMillis();
        consumer.pause(consumer.assignment());
        long commitReserve = Math.min(FINAL_COMMIT_RESERVE.toMillis(), shutdownTimeout.toMillis() / 2);
        tracker.close(shutdownTimeout.minusMillis(commitReserve));
        collectCompletions();
        do {
            commit();
            if (results.checkingAbort()) {
                // Nothing can be published before the check ends; what is finished is redone by the next owner, whose start
                // looks for what the abort left open.
                LOG.info("an aborted transaction is still being checked; {} finished requests are left to the next owner", finished.size());
                break;
            }
        } while ((inDoubt != null || !finished.isEmpty() && held < finished.size()) && clock.millis() < deadline);
        LOG.info("intake stopped; {} requests left unfinished for the next owner", tracker.openRequests());
    }

    /**
     * Takes records in up to the in-flight cap exactly: where the cap is reached within a poll, the rest of
     * each partition is rewound (seek) and read again after intake resumes, so the cap is a bound, not a
     * hint off by up to one poll.
     */
    private void takeIn(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition partition : records.partitions()) {
            for (var record : records.records(partition)) {
                if (tracker.openRequests() - held >= tracking.maxInFlight()) {
                    consumer.seek(partition, record.offset());
                    break;
                }
                takeIn(record);
            }
        }
    }

    private void takeIn(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        OwnedPartition state = owned.get(partition);
        if (state == null) {
            return; // revoked within this poll, or its committed offset not known yet: read again after the seek
        }
        if (state.progress.arrive(record.offset()) != PartitionProgress.Arrival.NEW) {
            return;
        }
        var origin = checkpoints.origin(record.headers());
        switch (parser.parse(record.value(), record.headers())) {
            case ParsedInput.Request request -> {
                metrics.received(1);
                TaskRequest taskRequest = new TaskRequest(request.taskId(), request.upstream(),
                        origin.map(CheckpointCodec.Origin::source)
                                .orElseGet(() -> new RequestRef(record.topic(), record.partition(), record.offset())),
                        passThroughHeaders(record.headers().toArray()), request.metadata(),
                        origin.map(CheckpointCodec.Origin::requestedAtMillis).orElseGet(() -> requestedAt(record)),
                        origin.map(CheckpointCodec.Origin::unavailableCreditMillis).orElse(0L),
                        unavailability.get(request.upstream()).millis(), state.assignment);
                state.anchors.put(taskRequest, record.offset());
                tracker.submit(taskRequest);
            }
            case ParsedInput.Rejected rejected -> {
                LOG.atWarn().addKeyValue("partition", record.topic() + "-" + record.partition()).addKeyValue("offset", record.offset())
                        .log("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), rejected.detail());
                metrics.deadLettered(rejected.reason().tag());
                deadLetters.add(new DeadLetter(record, rejected.reason(), rejected.detail(), state.assignment));
            }
        }
    }

    /** The time the request was made: the record's timestamp, unless it is missing or implausible. */
    private long requestedAt(ConsumerRecord<byte[], byte[]> record) {
        long now = clock.millis();
        long timestamp = record.timestamp();
        if (record.timestampType() == TimestampType.NO_TIMESTAMP_TYPE || timestamp <= 0
                || timestamp > now + FUTURE_TIMESTAMP_TOLERANCE.toMillis()) {
            return now;
        }
        return Math.min(timestamp, now);
    }

    private static Header[] passThroughHeaders(Header[] headers) {
        if (headers.length == 0) {
            return headers;
        }
        return Arrays.stream(headers).filter(header -> !header.key().equals(RecordHeaders.CHECKPOINT)).toArray(Header[]::new);
    }

    private void collectCompletions() {
        Completion completion;
        while ((completion = tracker.pollCompletion()) != null) {
            finished.add(completion);
        }
        pendingCount = finished.size() + deadLetters.size();
    }

    /** Publishes what is finished, and checkpoints what pins a commit point, with the offsets they complete. */
    private void commit() {
        lastCommitMillis = clock.millis();
        if (inDoubt != null) {
            settle(inDoubt, results.resume());
            return;
        }
        if (results.checkingAbort()) {
            return; // what is finished waits: a transaction now could join the aborted one where its marker was missed
        }
        boolean upstreamAway = unavailability.values().stream().anyMatch(UnavailabilityClock::unavailableNow);
        if (finished.isEmpty() && deadLetters.isEmpty() && owned.values().stream().allMatch(state -> upstreamAway
                ? state.progress.checkpointLine() == Long.MIN_VALUE : state.progress.checkpointBelow() == Long.MIN_VALUE)) {
            return; // nothing could go into a transaction: no plan every 100 ms for idle partitions
        }
        CommitPlan plan = CommitPlan.plan(owned, finished, deadLetters, checkpoints,
                upstream -> unavailability.get(upstream).millis(), upstream -> unavailability.get(upstream).unavailableNow(), bounds);
        finished.clear();
        deadLetters.clear();
        tracker.released(plan.discarded().size());
        finished.addAll(plan.held());
        finished.addAll(plan.deferred());
        deadLetters.addAll(plan.heldLetters());
        deadLetters.addAll(plan.deferredLetters());
        held = plan.held().size();
        if (plan.full()) {
            // A backlog leaves in bounded transactions back to back, not one per commit interval.
            lastCommitMillis -= COMMIT_INTERVAL.toMillis();
        }
        Transaction transaction = plan.transaction();
        if (transaction.writesNothing()) {
            return;
        }
        settle(plan, results.publish(transaction, consumer.groupMetadata()));
    }

    private void settle(CommitPlan plan, ResultPublisher.Attempt attempt) {
        switch (attempt) {
            case ResultPublisher.Attempt.Committed committed -> {
                inDoubt = null;
                inDoubtSinceMillis = -1;
                health.brokerAnswered();
                metrics.transaction(true);
                plan.applyCommitted(owned, committed.checkpointOffsets());
                metrics.checkpointed(plan.checkpointCount());
                long now = clock.millis();
                for (Completion completion : plan.transaction().results()) {
                    Long finishedUpstream = completion.result().tracking().finishedUpstreamAt();
                    if (finishedUpstream != null && finishedUpstream > 0) {
                        metrics.detectionLag(completion.request().upstream(), now - finishedUpstream);
                    }
                }
                tracker.released(plan.transaction().results().size());
            }
            case ResultPublisher.Attempt.InDoubt doubt -> {
                if (inDoubt == null) {
                    LOG.warn("{}; retrying it before anything else is published{}", doubt.reason(),
                            plan.checkpointedPartitions().isEmpty() ? ""
                                    : ", and not reading " + plan.checkpointedPartitions() + " (it wrote checkpoints there) until it settles");
                    inDoubtSinceMillis = clock.millis();
                }
                inDoubt = plan;
            }
            case ResultPublisher.Attempt.Aborted aborted -> {
                inDoubt = null;
                inDoubtSinceMillis = -1;
                LOG.warn("result transaction aborted ({}); its results are published again with the next one", aborted.reason());
                metrics.transaction(false);
                finished.addAll(plan.transaction().results());
                deadLetters.addAll(plan.transaction().deadLetters());
            }
        }
        pendingCount = finished.size() + deadLetters.size() + (inDoubt == null ? 0 : inDoubt.transaction().results().size());
    }

    private void applyBackpressure() {
        int open = tracker.openRequests() - held;
        backpressure.apply(open, owned, awaitingOffsets, inDoubt == null ? Set.of() : inDoubt.checkpointedPartitions());
        openCount = open;
        heldAtCap = backpressure.capPaused();
        pausedCount = backpressure.pausedCount();
        windowFullCount = backpressure.windowFullCount();
        awaitingCount = awaitingOffsets.size();
        longestOffsetWaitMillis = assignments.longestWaitMillis();
    }

    /** Runs on the consumer thread, inside {@code poll}. */
    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            // Lowered before the partitions are given up, so the new owner's raised share never overlaps it.
            budget.releasing(partitions);
            collectCompletions();
            commit();
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            budget.releasing(partitions);
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            health.joinedGroup();
            if (!partitions.isEmpty()) {
                // Nothing is read until the committed offset and its metadata are known (Assignments.fetchAwaited).
                assignments.assigned(partitions);
                backpressure.pauseNow(partitions);
                assignedCount = owned.size() + awaitingOffsets.size();
                LOG.info("assigned {}", partitions);
            }
            // Raised only once the partitions are ours; called after every rebalance, since one that
            // brought this instance nothing may still have grown the topic.
            budget.taken(partitions);
        }

        private void forget(Collection<TopicPartition> partitions) {
            assignments.forget(partitions);
            backpressure.forget(partitions);
            tracker.revoke(partitions);
            int before = finished.size();
            finished.removeIf(c -> partitions.contains(partitionOf(c)));
            tracker.released(before - finished.size());
            deadLetters.removeIf(l -> partitions.contains(new TopicPartition(l.original().topic(), l.original().partition())));
            assignedCount = owned.size() + awaitingOffsets.size();
            LOG.info("revoked {}", partitions);
        }
    }

    private static TopicPartition partitionOf(Completion completion) {
        return new TopicPartition(completion.request().source().topic(), completion.request().source().partition());
    }
}
