package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RecordHeaders;
import io.mjtracker.simulator.Faults;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.SimulatorStats;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaBroker;
import io.mjtracker.testkit.KafkaBrokerExtension;
import io.mjtracker.testkit.TcpConnections;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Answers no honest server gives, and input no honest producer sends: each has a defined outcome, the
 * worker stays up, nothing is lost, and the key shows up nowhere.
 */
@ExtendWith(KafkaBrokerExtension.class)
class HostileUpstreamIT {

    private final KafkaBroker broker;
    private final RecordCodec codec = new RecordCodec();

    HostileUpstreamIT(KafkaBroker broker) {
        this.broker = broker;
    }

    /**
     * While the fault lasts the task must not end; once it is gone the task succeeds: timeouts, resets,
     * HTML pages, redirects and 429s without Retry-After are all survivable.
     */
    @ParameterizedTest
    @EnumSource(value = Faults.Hostile.class, names = {"SLOW", "RESET", "HTML", "REDIRECT"})
    void aPassingHostileAnswerDelaysTheTaskButLosesNothing(Faults.Hostile hostile) {
        FinalResult result = trackThrough(hostile(hostile), Duration.ofSeconds(4), Map.of());

        assertThat(result.outcome()).isEqualTo(Outcome.SUCCEEDED);
    }

    /** Every fetch is a 429 without {@code Retry-After} while the fault lasts, so the worker has to guess. */
    @Test
    void rateLimitingWithoutRetryAfterIsRiddenOut() {
        Fault spentQuota = new Fault("429 without Retry-After",
                simulator -> simulator.exhaustQuotaUntil(Instant.now().plus(Duration.ofHours(1)), UpstreamSimulator.RetryAfterFormat.NONE),
                stats -> stats.faultsServed("quota"));
        FinalResult result = trackThrough(spentQuota, Duration.ofSeconds(4), Map.of());

        assertThat(result.outcome()).isEqualTo(Outcome.SUCCEEDED);
    }

    @ParameterizedTest
    @EnumSource(value = Faults.Hostile.class, names = {"HUGE_BODY", "TRUNCATED", "NOT_JSON"})
    void anUpstreamThatKeepsAnsweringNonsenseEndsTheTaskAsFailedWithTheReason(Faults.Hostile hostile) {
        FinalResult result = trackThrough(hostile(hostile), Duration.ofSeconds(60),
                Map.of("TRACKER_MAX_MALFORMED_POLLS", "3"));

        assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(result.reason()).contains("not a task");
        if (hostile == Faults.Hostile.HUGE_BODY) {
            assertThat(result.reason()).contains("larger than");
        }
    }

    @Test
    void hostileInputIsDeadLetteredAndTheWorkerCarriesOn() {
        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false))) {
            TestTopics topics = new TestTopics(broker);
            Map<String, String> env = topics.singleFetchEnv(simulator);
            env.put("TRACKER_TOPIC_PARTITIONS", "1");
            String good = simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(300)));
            List<String> hostileIds = List.of("a/b", "..", "a%2Fb", "has space", "bell\u0007", "x".repeat(10_000));
            try (CapturedLogs logs = new CapturedLogs(); Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
                var values = new java.util.ArrayList<byte[]>();
                hostileIds.forEach(id -> values.add(id.getBytes(StandardCharsets.UTF_8)));
                values.add(new byte[200_000]);
                values.add(good.getBytes(StandardCharsets.UTF_8));
                topics.produce(values);

                var letters = topics.read(topics.deadLetter, hostileIds.size() + 1, Duration.ofSeconds(30), Duration.ofSeconds(1));
                var results = topics.read(topics.completed, 1, Duration.ofSeconds(30), Duration.ofSeconds(1));

                assertThat(letters).hasSize(hostileIds.size() + 1);
                assertThat(letters.stream().map(r -> new String(r.headers().lastHeader(RecordHeaders.DLQ_REASON).value(),
                        StandardCharsets.UTF_8).split(":")[0]).toList())
                        .containsExactly("invalid_id", "invalid_id", "invalid_id", "invalid_id", "invalid_id", "invalid_id", "too_large");
                assertThat(letters.getLast().value()).hasSize(200_000);
                assertThat(results).singleElement().satisfies(r ->
                        assertThat(codec.readFinalResult(r.value()).outcome()).isEqualTo(Outcome.SUCCEEDED));
                assertThat(simulator.stats().totalRequests()).as("only the valid id reached the upstream")
                        .isEqualTo(simulator.stats().fetchCount(good));
                assertThat(logs.lines()).noneSatisfy(line -> assertThat(line).contains("\u0007"));
            }
        }
    }

    /**
     * An upstream that accepts connections and answers nothing, while 2,000 tasks are tracked one request
     * each: the worker keeps at most its concurrency cap of requests open against it (no connection per
     * task piling up), its circuit opens, and when the upstream answers again every task ends once.
     */
    @Test
    void anUpstreamThatAnswersNothingHoldsNoMoreThanTheConcurrencyCapAndLosesNoTask() {
        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false))) {
            TestTopics topics = new TestTopics(broker);
            Map<String, String> env = topics.singleFetchEnv(simulator);
            env.put("MJ_API_REQUEST_TIMEOUT", "2s");
            env.put("TRACKER_RATE_LIMIT_PER_SECOND", "1000");
            env.put("TRACKER_MAX_CONCURRENT_REQUESTS", "32");
            List<String> ids = simulator.createTasks(2_000, TaskScript.succeedsAfter(Duration.ZERO, Duration.ofSeconds(3)));

            try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
                topics.produceIds(ids);
                await().atMost(Duration.ofSeconds(30)).until(() -> simulator.stats().totalRequests() >= 500);
                simulator.stats().reset();
                simulator.faults(Faults.NONE.withHostile(Faults.Hostile.SILENT));
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        worker.registry().get("mjtracker.upstream.circuits.open").gauge().value() == 1);
                // The silence goes on past the request timeout and several open periods of the circuit. The
                // simulator's handlers of requests the worker gave up on hang too, so what counts is what the
                // worker holds: its connections to the upstream, as the kernel lists them.
                int port = simulator.baseUrl().getPort();
                int mostConnections = 0;
                long silenceEnds = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (System.nanoTime() < silenceEnds) {
                    mostConnections = Math.max(mostConnections, TcpConnections.establishedTo(port));
                    LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
                }
                long silent = simulator.stats().faultsServed(Faults.Hostile.SILENT.name());
                simulator.faults(Faults.NONE);

                var results = topics.read(topics.completed, ids.size(), Duration.ofSeconds(120), Duration.ofSeconds(2));
                assertThat(silent).as("requests that got no answer").isPositive();
                assertThat(mostConnections).as("the worker's connections to the silent upstream at once").isPositive()
                        .isLessThanOrEqualTo(32);
                assertThat(results).as("one result per task").hasSize(ids.size())
                        .allSatisfy(r -> assertThat(codec.readFinalResult(r.value()).outcome()).isEqualTo(Outcome.SUCCEEDED));
                assertThat(results.stream().map(r -> codec.readFinalResult(r.value()).taskId()).distinct()).hasSize(ids.size());
            }
        }
    }

    /**
     * A fault the simulator serves: how to turn it on, and how many answers carried it.
     *
     * @param name for messages
     */
    private record Fault(String name, Consumer<UpstreamSimulator> on, ToLongFunction<SimulatorStats> served) {}

    private static Fault hostile(Faults.Hostile hostile) {
        return new Fault(hostile.name(), simulator -> simulator.faults(Faults.NONE.withHostile(hostile)),
                stats -> stats.faultsServed(hostile.name()));
    }

    /**
     * Tracks one task while {@code fault} lasts for {@code faultFor}, then without it; returns its result
     * after checking that the fault was actually served.
     */
    private FinalResult trackThrough(Fault fault, Duration faultFor, Map<String, String> overrides) {
        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false))) {
            TestTopics topics = new TestTopics(broker);
            Map<String, String> env = topics.singleFetchEnv(simulator);
            env.put("MJ_API_REQUEST_TIMEOUT", "1s");
            env.putAll(overrides);
            String key = env.get("MJ_API_KEY");
            String id = simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(500)));
            fault.on().accept(simulator);
            try (CapturedLogs logs = new CapturedLogs(); Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
                topics.produceIds(List.of(id));
                long until = System.nanoTime() + faultFor.toNanos();
                await().atMost(faultFor.plusSeconds(5)).until(() ->
                        System.nanoTime() > until || !topics.read(topics.completed, 1, Duration.ofMillis(300), Duration.ZERO).isEmpty());
                long served = fault.served().applyAsLong(simulator.stats());
                simulator.faults(Faults.NONE);
                simulator.restoreQuota();
                var results = topics.read(topics.completed, 1, Duration.ofSeconds(60), Duration.ofSeconds(1));

                assertThat(served).as("answers with the fault %s actually served", fault.name()).isPositive();
                assertThat(results).as("exactly one result").hasSize(1);
                assertThat(logs.lines()).noneSatisfy(line -> assertThat(line).contains(key));
                return codec.readFinalResult(results.getFirst().value());
            }
        }
    }
}
