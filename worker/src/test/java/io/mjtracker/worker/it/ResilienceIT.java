package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.Faults;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaBroker;
import io.mjtracker.testkit.KafkaBrokerExtension;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Upstream outages, rate limits and a revoked key: the worker holds back, keeps every task, and resumes. */
@ExtendWith(KafkaBrokerExtension.class)
class ResilienceIT {

    private final KafkaBroker broker;
    private final RecordCodec codec = new RecordCodec();
    private UpstreamSimulator simulator;

    ResilienceIT(KafkaBroker broker) {
        this.broker = broker;
    }

    @AfterEach
    void stopSimulator() {
        if (simulator != null) {
            simulator.close();
        }
    }

    private List<String> tasks(int count, Duration run) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, run)));
        }
        return ids;
    }

    private List<FinalResult> results(TestTopics topics, int expected, Duration timeout) {
        return topics.read(topics.completed, expected, timeout, Duration.ofSeconds(1)).stream()
                .map(r -> codec.readFinalResult(r.value())).toList();
    }

    @Test
    void anOutageOpensTheCircuitStopsRequestsAndLosesNoTask() {
        simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false));
        TestTopics topics = new TestTopics(broker);
        List<String> ids = tasks(40, Duration.ofSeconds(4));

        try (Worker worker = Worker.start(WorkerConfigLoader.load(topics.workerEnv(simulator)))) {
            topics.produceIds(ids);
            await().atMost(Duration.ofSeconds(20)).until(() -> simulator.stats().count(200) >= 40);
            simulator.faults(Faults.NONE.withOutage(true));
            await().atMost(Duration.ofSeconds(20)).until(() -> circuitState(worker, "open") == 1);

            long before = simulator.stats().totalRequests();
            await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
            long duringOutage = simulator.stats().totalRequests() - before;
            simulator.faults(Faults.NONE);

            assertThat(duringOutage).as("requests in 3 s of open circuit (only half-open probes)").isLessThanOrEqualTo(12);
            List<FinalResult> results = results(topics, ids.size(), Duration.ofSeconds(60));
            assertThat(results).hasSize(ids.size()).allSatisfy(r -> assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED));
        }
    }

    @Test
    void aRateLimitStormIsRiddenOutByHonouringRetryAfter() {
        simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false)
                .withFaults(Faults.NONE.withRateLimit(20, 5, true)));
        TestTopics topics = new TestTopics(broker);
        List<String> ids = tasks(100, Duration.ofSeconds(2));
        Map<String, String> env = topics.workerEnv(simulator);
        env.put("TRACKER_RATE_LIMIT_PER_SECOND", "200");

        try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
            topics.produceIds(ids);
            List<FinalResult> results = results(topics, ids.size(), Duration.ofSeconds(90));

            assertThat(results).hasSize(ids.size()).allSatisfy(r -> assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED));
            assertThat(simulator.stats().count(429)).as("429s happened").isPositive();
            assertThat(simulator.stats().count(429)).as("the worker backed off instead of hammering")
                    .isLessThan(simulator.stats().count(200));
        }
    }

    @Test
    void requestRateNeverExceedsTheLimitWhileWorkIsWaiting() {
        simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false));
        TestTopics topics = new TestTopics(broker);
        // Tasks never finish during the test: all of them keep wanting polls.
        List<String> ids = tasks(400, Duration.ofMinutes(10));
        Map<String, String> env = topics.workerEnv(simulator);
        env.put("TRACKER_RATE_LIMIT_PER_SECOND", "20");

        try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
            topics.produceIds(ids);
            await().atMost(Duration.ofSeconds(30)).until(() -> simulator.stats().totalRequests() >= 20);
            simulator.stats().reset();
            await().pollDelay(Duration.ofSeconds(6)).until(() -> true);

            int peak = simulator.stats().maxRequestsInAnyWindow(Duration.ofSeconds(1));
            long total = simulator.stats().totalRequests();
            assertThat(peak).as("most requests in any 1 s window").isLessThanOrEqualTo(20);
            assertThat(total).as("requests in 6 s: the limit is used, not wasted").isGreaterThanOrEqualTo(6 * 20 * 85 / 100);
        }
    }

    @Test
    void aRevokedKeyStopsPollingKeepsTasksAndNeverLeaksTheKey() {
        simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false));
        TestTopics topics = new TestTopics(broker);
        Map<String, String> env = topics.workerEnv(simulator);
        String key = env.get("MJ_API_KEY");
        simulator.requireKey(key);
        List<String> ids = tasks(30, Duration.ofSeconds(3));

        try (CapturedLogs logs = new CapturedLogs(); Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
            topics.produceIds(ids);
            await().atMost(Duration.ofSeconds(20)).until(() -> simulator.stats().count(200) >= 30);
            simulator.requireKey("rotated-" + key);
            await().atMost(Duration.ofSeconds(20)).until(() -> circuitState(worker, "forced_open") == 1);
            long before = simulator.stats().totalRequests();
            await().pollDelay(Duration.ofMillis(2500)).until(() -> true);
            long whileRejected = simulator.stats().totalRequests() - before;
            simulator.requireKey(key);

            List<FinalResult> results = results(topics, ids.size(), Duration.ofSeconds(60));
            assertThat(whileRejected).as("requests while the key is rejected: one probe per open period").isLessThanOrEqualTo(4);
            assertThat(results).hasSize(ids.size()).allSatisfy(r -> assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED));
            assertThat(logs.lines()).as("the misconfiguration is reported once, clearly")
                    .filteredOn(line -> line.contains("rejects MJ_API_KEY")).hasSize(1);
            assertThat(logs.lines()).noneSatisfy(line -> assertThat(line).contains(key));
            for (String topic : List.of(topics.status, topics.completed, topics.deadLetter)) {
                for (ConsumerRecord<byte[], byte[]> record : topics.read(topic, Integer.MAX_VALUE, Duration.ofSeconds(3), Duration.ZERO)) {
                    assertThat(new String(record.value(), StandardCharsets.UTF_8)).doesNotContain(key);
                }
            }
            assertThat(worker.registry().scrape()).doesNotContain(key);
        }
    }

    private static double circuitState(Worker worker, String state) {
        Gauge gauge = worker.registry().find("resilience4j.circuitbreaker.state").tag("state", state).gauge();
        return gauge == null ? -1 : gauge.value();
    }
}
