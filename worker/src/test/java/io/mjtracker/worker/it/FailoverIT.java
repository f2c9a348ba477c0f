package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaBroker;
import io.mjtracker.testkit.KafkaBrokerExtension;
import io.mjtracker.testkit.KafkaFaultProxy;
import io.mjtracker.testkit.ProxiedBroker;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Crashes, restarts and scale-out lose nothing and publish nothing twice. */
@ExtendWith({KafkaBrokerExtension.class, SimulatorExtension.class})
class FailoverIT {

    private final KafkaBroker broker;
    private final RecordCodec codec = new RecordCodec();

    FailoverIT(KafkaBroker broker) {
        this.broker = broker;
    }

    private static List<String> createTasks(UpstreamSimulator simulator, int count, Duration runMin) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, runMin.plusMillis(i % 10 * 300L))));
        }
        return ids;
    }

    @Test
    void aWorkerKilledInsideATransactionIsReplacedWithoutLossOrDuplicates(UpstreamSimulator simulator) throws Exception {
        Path dir = Files.createTempDirectory("mj-failover");
        // Its own broker behind the fault proxy, so that the kill lands inside a transaction for certain.
        try (ProxiedBroker proxied = ProxiedBroker.start(dir, Map.of())) {
            TestTopics topics = new TestTopics(proxied.broker());
            topics.create(4);
            Map<String, String> env = topics.workerEnv(simulator);
            env.put("TRACKER_MAX_IN_FLIGHT", "40");
            // The replacement takes over once the group has given up on the killed member: with the default
            // 45 s session that wait, not the takeover, would be most of the test.
            env.put("KAFKA_SESSION_TIMEOUT_MS", "10000");
            env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "3000");
            List<String> ids = createTasks(simulator, 300, Duration.ofSeconds(2));
            topics.produceIds(ids);

            String first = topics.prefix + "-first";
            WorkerProcess killed = WorkerProcess.start(with(env, "TRACKER_INSTANCE_ID", first), first);
            List<?> early = topics.read(topics.completed, 60, Duration.ofSeconds(60), Duration.ZERO);
            assertThat(early).as("results before the kill; log: %s", killed.log).hasSizeGreaterThanOrEqualTo(60);
            // The next transaction that writes results and then adds the input offsets to itself hears nothing
            // more: results written, offsets sent, never committed. It is open on the broker when the kill comes.
            proxied.proxy().holdResponsesAfter(first + "-results", List.of(topics.topicId(topics.completed)),
                    KafkaFaultProxy.TXN_OFFSET_COMMIT, Duration.ofMinutes(2));
            await().atMost(Duration.ofSeconds(30)).until(() -> proxied.proxy().responseHoldsStarted() == 1);
            killed.kill();
            int beforeReplacement = topics.read(topics.completed, ids.size(), Duration.ofSeconds(2), Duration.ZERO).size();
            assertThat(beforeReplacement).as("killed mid-run, with work left for the replacement").isLessThan(ids.size() - 50);

            try (WorkerProcess second = WorkerProcess.start(with(env, "TRACKER_INSTANCE_ID", topics.prefix + "-second"),
                    topics.prefix + "-second")) {
                var results = topics.read(topics.completed, ids.size(), Duration.ofSeconds(90), Duration.ofSeconds(3));

                List<FinalResult> parsed = results.stream().map(r -> codec.readFinalResult(r.value())).toList();
                assertThat(parsed.size()).as("the replacement published the rest").isGreaterThan(beforeReplacement);
                assertThat(parsed.stream().map(FinalResult::taskId).distinct()).as("lost: none").hasSize(ids.size());
                assertThat(parsed).as("duplicates: none").hasSize(ids.size());
                // The killed transaction's results are in the log, aborted: a read_uncommitted reader sees them,
                // a read_committed one (above) never did.
                assertThat(topics.readAll(topics.completed, Duration.ofSeconds(30), "read_uncommitted"))
                        .as("results of the transaction the kill cut off, aborted").hasSizeGreaterThan(parsed.size());
                assertThat(second.terminate(Duration.ofSeconds(30))).as("SIGTERM stops the worker within its bounded shutdown").isTrue();
                assertThat(second.exitValue()).as("exit status after SIGTERM (128 + 15), not a crash").isEqualTo(143);
            }
        }
    }

    private static String log(WorkerProcess worker) throws java.io.IOException {
        return Files.readString(worker.log);
    }

    private static Map<String, String> with(Map<String, String> env, String name, String value) {
        Map<String, String> copy = new HashMap<>(env);
        copy.put(name, value);
        return copy;
    }


    @Test
    void aFrozenWorkerThatThawsAfterLosingItsPartitionsPublishesNothingForThem(UpstreamSimulator simulator) throws Exception {
        TestTopics topics = new TestTopics(broker);
        topics.create(4);
        Map<String, String> env = topics.workerEnv(simulator);
        env.put("TRACKER_MAX_IN_FLIGHT", "30");
        // A short session, so the group gives a frozen member's partitions away quickly.
        env.put("KAFKA_SESSION_TIMEOUT_MS", "6000");
        env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "1000");
        List<String> ids = createTasks(simulator, 240, Duration.ofSeconds(2));

        try (WorkerProcess frozen = WorkerProcess.start(env, topics.prefix + "-frozen");
                WorkerProcess other = WorkerProcess.start(env, topics.prefix + "-other")) {
            // Both own partitions before any work comes: the one frozen must have work to lose.
            await().atMost(Duration.ofSeconds(60)).until(() -> log(frozen).contains("tracking [") && log(other).contains("tracking ["));
            topics.produceIds(ids);
            topics.read(topics.completed, 30, Duration.ofSeconds(60), Duration.ZERO);
            frozen.signal("STOP");
            int loggedBeforeFreeze = log(frozen).length();
            // Frozen past its session timeout: the other worker takes its partitions and redoes its requests,
            // while the frozen one keeps completions it has not committed yet.
            int whileFrozen = topics.read(topics.completed, ids.size(), Duration.ofSeconds(15), Duration.ZERO).size();
            frozen.signal("CONT");
            var results = topics.read(topics.completed, ids.size(), Duration.ofSeconds(120), Duration.ofSeconds(5));

            List<FinalResult> parsed = results.stream().map(r -> codec.readFinalResult(r.value())).toList();
            assertThat(log(frozen).substring(loggedBeforeFreeze)).as("thawed, it learnt that its partitions had moved on; log %s",
                    frozen.log).contains("revoked [");
            assertThat(whileFrozen).as("the other worker went on while one was frozen").isGreaterThan(30);
            assertThat(parsed.stream().map(FinalResult::taskId).distinct()).as("lost: none; logs %s %s", frozen.log, other.log)
                    .hasSize(ids.size());
            assertThat(parsed).as("duplicates: none (the thawed worker was fenced)").hasSize(ids.size());
            assertThat(frozen.isAlive()).as("the thawed worker recovers in-process instead of exiting").isTrue();
        }
    }

    @Test
    void twoWorkersInOneGroupSplitTheWork(UpstreamSimulator simulator) {
        TestTopics topics = new TestTopics(broker);
        Map<String, String> env = topics.workerEnv(simulator);
        List<String> ids = createTasks(simulator, 200, Duration.ofSeconds(1));

        try (Worker one = Worker.start(WorkerConfigLoader.load(env));
                Worker two = Worker.start(WorkerConfigLoader.load(env))) {
            // Let both join before any record arrives, so the split is decided by the assignor.
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    assigned(one) > 0 && assigned(two) > 0 && assigned(one) + assigned(two) == 4);
            topics.produceIds(ids);
            var results = topics.read(topics.completed, ids.size(), Duration.ofSeconds(60), Duration.ofSeconds(2));

            assertThat(results).hasSize(ids.size());
            assertThat(assigned(one) + assigned(two)).as("partitions %s + %s", assigned(one), assigned(two)).isEqualTo(4);
            assertThat(received(one)).isPositive();
            assertThat(received(two)).isPositive();
            assertThat(received(one) + received(two)).isEqualTo(ids.size());
        }
    }

    private static double assigned(Worker worker) {
        var gauge = worker.registry().find("mjtracker.partitions.assigned").gauge();
        return gauge == null ? -1 : gauge.value();
    }

    private static double received(Worker worker) {
        Counter counter = worker.registry().find("mjtracker.tasks.received").counter();
        return counter == null ? 0 : counter.count();
    }
}
