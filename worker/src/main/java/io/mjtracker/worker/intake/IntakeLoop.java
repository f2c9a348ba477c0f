package io.mjtracker.worker.intake;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.mjtracker.common.record.RequestRef;
import io.mjtracker.worker.config.KafkaSettings;
import io.mjtracker.worker.config.TrackingSettings;
import io.mjtracker.worker.metrics.HealthState;
import io.mjtracker.worker.metrics.TrackerMetrics;
import io.mjtracker.worker.publish.DeadLetter;
import io.mjtracker.worker.publish.ResultPublisher;
import io.mjtracker.worker.tracking.Completion;
import io.mjtracker.worker.tracking.TaskRequest;
import io.mjtracker.worker.tracking.Tracker;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer thread: polls the input topic, hands requests to the {@link Tracker}, and commits
 * finished work. It never waits on HTTP. Each loop: poll; take records in (or dead-letter them);
 * collect completions; every {@link #COMMIT_INTERVAL} publish results, dead letters and offsets in one
 * transaction; pause or resume partitions for backpressure and upstream outages.
 */
public final class IntakeLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(IntakeLoop.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);

    private final KafkaSettings kafka;
    private final TrackingSettings tracking;
    private final Consumer<byte[], byte[]> consumer;
    private final ResultPublisher results;
    private final Tracker tracker;
    private final RequestParser parser;
    private final TrackerMetrics metrics;
    private final HealthState health;
    private final Clock clock;
    private final Duration shutdownTimeout;

    private final Map<TopicPartition, Assigned> assigned = new HashMap<>();
    private final List<Completion> pendingResults = new ArrayList<>();
    private final List<DeadLetter> pendingDeadLetters = new ArrayList<>();
    private final Set<TopicPartition> paused = new HashSet<>();
    private volatile boolean stopRequested;
    private volatile int assignedCount;
    private volatile int pausedCount;
    private volatile int pendingCount;
    private long assignmentCounter;
    private long lastCommitMillis;

    /** The partition's offsets under one assignment; a later assignment gets a new one. */
    private record Assigned(PartitionOffsets offsets, long assignment) {}

    public IntakeLoop(KafkaSettings kafka, TrackingSettings tracking, Consumer<byte[], byte[]> consumer,
            ResultPublisher results, Tracker tracker, RequestParser parser, TrackerMetrics metrics,
            HealthState health, Clock clock, Duration shutdownTimeout) {
        this.kafka = kafka;
        this.tracking = tracking;
        this.consumer = consumer;
        this.results = results;
        this.tracker = tracker;
        this.parser = parser;
        this.metrics = metrics;
        this.health = health;
        this.clock = clock;
        this.shutdownTimeout = shutdownTimeout;
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
                    health.brokerAnswered();
                    for (var record : records) {
                        takeIn(record);
                    }
                } catch (WakeupException e) {
                    // stop() woke the poll; the loop condition decides.
                }
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

    private void shutDown() {
        LOG.info("stopping intake; waiting up to {} for requests already sent", shutdownTimeout);
        consumer.pause(consumer.assignment());
        tracker.close(shutdownTimeout);
        collectCompletions();
        commit();
        LOG.info("intake stopped; {} requests left unfinished for the next owner", tracker.openRequests());
    }

    private void takeIn(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        Assigned state = assigned.get(partition);
        if (state == null) {
            return; // revoked within this poll; the new owner reads it again
        }
        PartitionOffsets offsets = state.offsets();
        offsets.received(record.offset());
        if (offsets.alreadyDone(record.offset())) {
            offsets.completed(record.offset());
            return;
        }
        switch (parser.parse(record.value())) {
            case ParsedInput.Request request -> {
                metrics.received(1);
                tracker.submit(new TaskRequest(request.taskId(),
                        new RequestRef(record.topic(), record.partition(), record.offset()),
                        copy(record.headers().toArray()), request.metadata(), clock.millis(), state.assignment()));
            }
            case ParsedInput.Rejected rejected -> {
                LOG.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), rejected.detail());
                metrics.deadLettered(rejected.reason().tag());
                pendingDeadLetters.add(new DeadLetter(record, rejected.reason(), rejected.detail()));
            }
        }
    }

    private static Header[] copy(Header[] headers) {
        return headers.length == 0 ? headers : headers.clone();
    }

    private void collectCompletions() {
        Completion completion;
        while ((completion = tracker.pollCompletion()) != null) {
            pendingResults.add(completion);
        }
        pendingCount = pendingResults.size() + pendingDeadLetters.size();
    }

    /** Publishes what is finished, with the offsets it completes, in one transaction. */
    private void commit() {
        lastCommitMillis = clock.millis();
        List<Completion> batch = new ArrayList<>();
        List<Completion> heldBack = new ArrayList<>();
        Map<TopicPartition, List<Long>> doneOffsets = new HashMap<>();
        int discarded = 0;
        for (Completion completion : pendingResults) {
            var source = completion.request().source();
            TopicPartition partition = new TopicPartition(source.topic(), source.partition());
            Assigned state = assigned.get(partition);
            if (state == null || state.assignment() != completion.request().assignment()) {
                discarded++;
            } else if (!state.offsets().withinCommitWindow(source.offset())) {
                heldBack.add(completion);
            } else {
                batch.add(completion);
                doneOffsets.computeIfAbsent(partition, p -> new ArrayList<>()).add(source.offset());
            }
        }
        tracker.released(discarded);
        List<DeadLetter> letters = new ArrayList<>();
        for (DeadLetter letter : pendingDeadLetters) {
            TopicPartition partition = new TopicPartition(letter.original().topic(), letter.original().partition());
            if (assigned.containsKey(partition)) {
                letters.add(letter);
                doneOffsets.computeIfAbsent(partition, p -> new ArrayList<>()).add(letter.original().offset());
            }
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        assigned.forEach((partition, state) -> {
            OffsetAndMetadata next = state.offsets().committableWith(doneOffsets.getOrDefault(partition, List.of()));
            offsets.put(partition, next);
        });
        pendingResults.clear();
        pendingResults.addAll(batch);
        pendingResults.addAll(heldBack);
        if (batch.isEmpty() && letters.isEmpty()) {
            return;
        }
        try {
            results.publish(batch, letters, offsets, consumer.groupMetadata());
        } catch (ResultPublisher.AbortedException e) {
            LOG.warn("{}; retrying with the next commit", e.getMessage());
            metrics.transaction(false);
            return;
        }
        metrics.transaction(true);
        long now = clock.millis();
        for (Completion completion : batch) {
            assigned.get(partitionOf(completion)).offsets().completed(completion.request().source().offset());
            Long finishedUpstream = completion.result().tracking().finishedUpstreamAt();
            if (finishedUpstream != null && finishedUpstream > 0) {
                metrics.detectionLag(now - finishedUpstream);
            }
        }
        for (DeadLetter letter : letters) {
            TopicPartition partition = new TopicPartition(letter.original().topic(), letter.original().partition());
            assigned.get(partition).offsets().completed(letter.original().offset());
        }
        tracker.released(batch.size());
        pendingResults.clear();
        pendingResults.addAll(heldBack);
        pendingDeadLetters.clear();
        pendingCount = pendingResults.size();
    }

    private static TopicPartition partitionOf(Completion completion) {
        return new TopicPartition(completion.request().source().topic(), completion.request().source().partition());
    }

    private void applyBackpressure() {
        boolean full = tracker.openRequests() >= tracking.maxInFlight();
        boolean outage = tracker.circuitOpen();
        Set<TopicPartition> assignment = assigned.keySet();
        if (full || outage) {
            Set<TopicPartition> toPause = new HashSet<>(assignment);
            toPause.removeAll(paused);
            if (!toPause.isEmpty()) {
                consumer.pause(toPause);
                paused.addAll(toPause);
                LOG.info("intake paused on {} partitions: {}", toPause.size(),
                        outage ? "upstream circuit open" : "in-flight cap " + tracking.maxInFlight() + " reached");
            }
        } else if (!paused.isEmpty() && tracker.openRequests() < tracking.resumeInFlight()) {
            consumer.resume(paused);
            LOG.info("intake resumed on {} partitions", paused.size());
            paused.clear();
        }
        pausedCount = paused.size();
    }

    /** Runs on the consumer thread, inside {@code poll}. */
    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            collectCompletions();
            commit();
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            health.joinedGroup();
            if (partitions.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata offset = committed.get(partition);
                PartitionOffsets offsets = offset == null
                        ? new PartitionOffsets(consumer.position(partition), OffsetMetadataCodec.Window.EMPTY)
                        : new PartitionOffsets(offset.offset(), OffsetMetadataCodec.decode(offset.offset(), offset.metadata()));
                assigned.put(partition, new Assigned(offsets, ++assignmentCounter));
            }
            assignedCount = assigned.size();
            if (!paused.isEmpty()) {
                consumer.pause(partitions);
                paused.addAll(partitions);
            }
            LOG.info("assigned {}", partitions);
        }

        private void forget(Collection<TopicPartition> partitions) {
            partitions.forEach(assigned::remove);
            paused.removeAll(partitions);
            tracker.revoke(partitions);
            int before = pendingResults.size();
            pendingResults.removeIf(c -> partitions.contains(partitionOf(c)));
            tracker.released(before - pendingResults.size());
            pendingDeadLetters.removeIf(l -> partitions.contains(new TopicPartition(l.original().topic(), l.original().partition())));
            assignedCount = assigned.size();
            LOG.info("revoked {}", partitions);
        }
    }
}
