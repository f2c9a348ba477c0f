package io.mjtracker.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.task.TaskCodec;
import io.mjtracker.testkit.MutableClock;
import io.mjtracker.worker.config.BatchMode;
import io.mjtracker.worker.config.KafkaSettings;
import io.mjtracker.worker.config.ResilienceSettings;
import io.mjtracker.worker.config.TopicNames;
import io.mjtracker.worker.config.TrackingSettings;
import io.mjtracker.worker.metrics.HealthState;
import io.mjtracker.worker.metrics.HookMetrics;
import io.mjtracker.worker.metrics.TrackerMetrics;
import io.mjtracker.worker.publish.AbortCheck;
import io.mjtracker.worker.publish.ResultPublisher;
import io.mjtracker.worker.tracking.Lane;
import io.mjtracker.worker.tracking.PollCadence;
import io.mjtracker.worker.tracking.Tracker;
import io.mjtracker.worker.upstream.BatchResult;
import io.mjtracker.worker.upstream.BatchSupport;
import io.mjtracker.worker.upstream.FetchResult;
import io.mjtracker.worker.upstream.UpstreamClient;
import io.mjtracker.worker.upstream.UpstreamGuard;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The consumer thread on its own: a {@link MockConsumer} that keeps its partition's log (so that a seek reads
 * records again, as a broker does), a {@link MockProducer} behind the result publisher, and a real tracker
 * whose upstream is a function. What is asserted is what the loop promises: the in-flight cap is a bound,
 * not a hint off by a poll, and records past it are read again, each answered once.
 */
class IntakeLoopTest {

    private static final TopicPartition P0 = new TopicPartition("in", 0);
    private static final int CAP = 40;
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T10:00:00Z"));
    private final LogConsumer consumer = new LogConsumer();
    private final List<MockProducer<byte[], byte[]>> producers = new ArrayList<>();
    private final RecordCodec codec = new RecordCodec();
    private final TaskCodec tasks = new TaskCodec();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TrackingSettings tracking = new TrackingSettings(CAP, 30, 64, Duration.ofHours(1), Duration.ofMinutes(2), 5, 0.001,
            Duration.ofMinutes(2));
    private Tracker tracker;
    private ResultPublisher results;

    @AfterEach
    void close() {
        tracker.close(Duration.ofSeconds(1));
        results.close();
    }

    @Test
    void theCapIsExactWithinOnePollAndWhatIsPastItWaitsInKafka() {
        IntakeLoop intake = intake(id -> null); // an upstream that never answers: nothing frees the cap
        List<Integer> taken = new ArrayList<>();
        long[] position = new long[1];
        List<Set<TopicPartition>> paused = new ArrayList<>();

        runUntil(intake, () -> {
            taken.add(tracker.openRequests());
            position[0] = consumer.position(P0);
            paused.add(consumer.paused());
            return taken.size() > 20 && intake.heldAtCap();
        });

        assertThat(taken).as("100 requests in one poll, the cap 40").last().isEqualTo(CAP);
        assertThat(taken).allMatch(open -> open <= CAP);
        assertThat(position[0]).as("rewound to the first request not taken").isEqualTo(CAP);
        assertThat(paused).last().isEqualTo(Set.of(P0));
    }

    @Test
    void requestsPastTheCapAreReadAgainOnceItFreesAndEachIsAnsweredOnce() {
        IntakeLoop intake = intake(id -> new FetchResult.Found(tasks.parse(("{\"id\":\"" + id
                + "\",\"status\":\"SUCCESS\",\"progress\":\"100%\"}").getBytes(StandardCharsets.UTF_8))));
        List<Integer> open = new ArrayList<>();

        runUntil(intake, () -> {
            open.add(intake.openRequests());
            return committedOffset() == 100;
        });

        assertThat(open).as("never more open than the cap").allMatch(count -> count <= CAP);
        List<String> answered = producers.stream().flatMap(producer -> producer.history().stream())
                .filter(record -> record.topic().equals("completed"))
                .map(record -> codec.readFinalResult(record.value())).map(FinalResult::taskId).toList();
        assertThat(answered).as("each request answered once, in committed transactions").hasSize(100)
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 100).mapToObj(i -> "t" + i).toList());
    }

    /** The loop on this thread, each poll standing for the broker's short wait, until {@code done} or the deadline. */
    private void runUntil(IntakeLoop intake, BooleanSupplier done) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        consumer.schedulePollTask(() -> {
            consumer.updateBeginningOffsets(Map.of(P0, 0L));
            consumer.rebalance(List.of(P0));
        });
        consumer.schedulePollTask(() -> IntStream.range(0, 100).forEach(offset -> consumer.append(offset, "t" + offset)));
        consumer.schedulePollTask(new Runnable() {
            @Override
            public void run() {
                clock.advance(IntakeLoop.COMMIT_INTERVAL);
                if (done.getAsBoolean() || System.nanoTime() > deadline) {
                    intake.stop();
                    return;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                consumer.schedulePollTask(this);
            }
        });
        intake.run();
    }

    private long committedOffset() {
        return producers.stream().flatMap(producer -> producer.consumerGroupOffsetsHistory().stream())
                .flatMap(byGroup -> byGroup.values().stream()).map(offsets -> offsets.get(P0)).filter(java.util.Objects::nonNull)
                .mapToLong(OffsetAndMetadata::offset).max().orElse(-1);
    }

    /** @param answer the upstream's answer to a task id; null for no answer ever */
    private IntakeLoop intake(Function<String, FetchResult> answer) {
        UpstreamClient upstream = new UpstreamClient() {
            @Override
            public CompletableFuture<FetchResult> fetch(String taskId) {
                FetchResult result = answer.apply(taskId);
                return result == null ? new CompletableFuture<>() : CompletableFuture.completedFuture(result);
            }

            @Override
            public CompletableFuture<BatchResult> fetchBatch(List<String> taskIds) {
                throw new AssertionError("batching is off in this test");
            }

            @Override
            public void close() {}
        };
        // The tracker runs on its own thread and the real clock, as in the worker; the loop's commit interval on the fake one.
        Clock system = Clock.systemUTC();
        UpstreamGuard guard = new UpstreamGuard("default", new ResilienceSettings(100_000, 3, Duration.ofMillis(10), Duration.ofSeconds(1),
                50, 4, Duration.ofSeconds(15)), system, System::nanoTime);
        Lane lane = new Lane("default", upstream, guard, new BatchSupport("default", BatchMode.OFF, 1, system), false, Runnable::run,
                Duration.ofMinutes(2));
        TrackerMetrics metrics = new TrackerMetrics(registry, DeadLetterReason.tags(), Map.of());
        tracker = new Tracker(tracking, List.of(lane), new PollCadence(new Random(1), tracking.cadenceScale()), (request, update) -> { },
                metrics, new HookMetrics(registry, Map.of()), system, system);
        tracker.start();
        TopicNames topics = new TopicNames("in", "status", "completed", "dlq");
        results = new ResultPublisher(() -> {
            MockProducer<byte[], byte[]> producer = new MockProducer<>(cluster(topics), true, null, new ByteArraySerializer(),
                    new ByteArraySerializer());
            producers.add(producer);
            return producer;
        }, topics, codec, 1_048_576, AbortCheck.NONE);
        results.start(Duration.ofSeconds(1));
        KafkaSettings kafka = new KafkaSettings("unused:9092", "g", "i", false, topics, 1, Optional.empty(), Map.of());
        BudgetShare budget = new BudgetShare(() -> java.util.OptionalInt.of(1), clock);
        return new IntakeLoop(kafka, tracking, consumer, results, tracker, new RequestParser(new ObjectMapper(), Set.of("default")),
                metrics, new HealthState(clock), Map.of("default", guard.unavailability()), clock, Duration.ofMillis(200), 500, budget,
                new TransactionBounds(5_000, 8 << 20));
    }

    private static Cluster cluster(TopicNames topics) {
        Node node = new Node(0, "localhost", 9092);
        return new Cluster("test", List.of(node), List.of(topics.input(), topics.status(), topics.completed(), topics.deadLetter())
                .stream().map(topic -> new PartitionInfo(topic, 0, node, new Node[] {node}, new Node[] {node})).toList(), Set.of(), Set.of());
    }

    /** A consumer over one partition's log: a seek reads from the log again, as a broker's fetch does. */
    private static final class LogConsumer extends MockConsumer<byte[], byte[]> {
        private final List<ConsumerRecord<byte[], byte[]>> log = new ArrayList<>();

        LogConsumer() {
            super("earliest");
        }

        synchronized void append(long offset, String value) {
            ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(P0.topic(), P0.partition(), offset, null,
                    value.getBytes(StandardCharsets.UTF_8));
            log.add(record);
            addRecord(record);
        }

        @Override
        public synchronized void seek(TopicPartition partition, long offset) {
            super.seek(partition, offset);
            log.stream().filter(record -> record.offset() >= offset).forEach(this::addRecord);
        }
    }
}
