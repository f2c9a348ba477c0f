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
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.time.Duration;
import java.util.ArrayList;
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
    void aWorkerKilledMidRunIsReplacedWithoutLossOrDuplicates(UpstreamSimulator simulator) throws Exception {
        TestTopics topics = new TestTopics(broker);
        Map<String, String> env = topics.workerEnv(simulator);
        List<String> ids = createTasks(simulator, 300, Duration.ofSeconds(2));
        topics.produceIds(ids);

        WorkerProcess first = WorkerProcess.start(env, topics.prefix + "-first");
        List<?> early = topics.read(topics.completed, 60, Duration.ofSeconds(60), Duration.ZERO);
        assertThat(early).as("results before the kill; log: %s", first.log).hasSizeGreaterThanOrEqualTo(60);
        first.kill();

        try (WorkerProcess second = WorkerProcess.start(env, topics.prefix + "-second")) {
            var results = topics.read(topics.completed, ids.size(), Duration.ofSeconds(90), Duration.ofSeconds(3));

            List<FinalResult> parsed = results.stream().map(r -> codec.readFinalResult(r.value())).toList();
            assertThat(parsed.stream().map(FinalResult::taskId).distinct()).as("lost: none").hasSize(ids.size());
            assertThat(parsed).as("duplicates: none").hasSize(ids.size());
            assertThat(second.terminate(Duration.ofSeconds(20))).as("SIGTERM stops the worker within its bounded shutdown").isTrue();
            assertThat(second.exitValue()).as("exit status after SIGTERM (128 + 15), not a crash").isEqualTo(143);
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
