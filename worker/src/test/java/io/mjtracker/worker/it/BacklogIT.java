package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaBroker;
import io.mjtracker.testkit.KafkaBrokerExtension;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import io.mjtracker.worker.intake.OffsetMetadataCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The hard regime: thousands of requests in progress on one partition, and handovers while the new
 * owner is paused at its in-flight cap (a task outliving thousands of others: {@link InDoubtCommitIT}). The promise checked at the end is always the same: one
 * final result per request, none twice.
 */
@ExtendWith({KafkaBrokerExtension.class, SimulatorExtension.class})
class BacklogIT {

    private final KafkaBroker broker;
    private final RecordCodec codec = new RecordCodec();

    BacklogIT(KafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void onePartitionHoldsTwelveThousandRequestsInProgressAndHandsTheirWindowOver(UpstreamSimulator simulator) throws Exception {
        TestTopics topics = new TestTopics(broker);
        Map<String, String> env = topics.workerEnv(simulator);
        env.put("TRACKER_TOPIC_PARTITIONS", "1");
        env.put("TRACKER_MAX_IN_FLIGHT", "20000");
        env.put("TRACKER_RATE_LIMIT_PER_SECOND", "1000");
        env.put("MJ_API_BATCH", "on");
        int requests = 12_000;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            // Every other task finishes early; the rest run on, so the committed window is wide and ragged. The
            // clocks start now, so the early ones leave time to see all 12,000 in progress on a loaded machine.
            Duration running = i % 2 == 0 ? Duration.ofSeconds(12) : Duration.ofSeconds(25);
            ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, running)));
        }
        topics.create(1);
        topics.produceIds(ids);

        try (Worker first = Worker.start(WorkerConfigLoader.load(env))) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                    assertThat(gauge(first, "mjtracker.tasks.inflight")).as("all of them in progress at once").isEqualTo(requests));
            topics.read(topics.completed, requests / 2, Duration.ofSeconds(60), Duration.ZERO);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(committed(topics).metadata())
                    .as("the commit names the early half done, above the first long-running request").isNotEmpty());
        }
        OffsetAndMetadata handedOver = committed(topics);
        assertThat(handedOver.metadata().length()).isLessThanOrEqualTo(OffsetMetadataCodec.MAX_LENGTH);
        assertThat(OffsetMetadataCodec.decode(handedOver.offset(), handedOver.metadata()).span())
                .as("the window the broker took is wider than 8,192 offsets").isGreaterThan(8_192);

        try (Worker second = Worker.start(WorkerConfigLoader.load(env))) {
            var results = topics.read(topics.completed, requests, Duration.ofSeconds(90), Duration.ofSeconds(3));
            assertExactlyOnePerRequest(results, requests);
        }
    }

    @Test
    void handoversWhileTheNewOwnerIsPausedAtItsCapPublishEachResultOnce(UpstreamSimulator simulator) throws Exception {
        TestTopics topics = new TestTopics(broker);
        Map<String, String> env = topics.workerEnv(simulator);
        env.put("TRACKER_TOPIC_PARTITIONS", "2");
        env.put("TRACKER_MAX_IN_FLIGHT", "20");
        // One name for every incarnation, as a StatefulSet pod has: a restart takes the partitions back at once.
        env.put("TRACKER_INSTANCE_ID", topics.prefix + "-pod-0");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofSeconds(30))));
        }
        for (int i = 0; i < 300; i++) {
            ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(1500 + i % 7 * 300L))));
        }
        topics.create(2);
        topics.produceIds(ids);

        WorkerProcess first = WorkerProcess.start(env, topics.prefix + "-first");
        awaitResults(topics, 40, first);
        first.kill();
        int afterFirst = topics.read(topics.completed, ids.size(), Duration.ofSeconds(3), Duration.ZERO).size();
        assertThat(afterFirst).as("the first owner was killed with most work left").isLessThan(ids.size() - 100);

        // The second owner reads from the same commit point: the slow requests are new to it, everything
        // finished above them is skipped, and it reaches its cap of 20 almost at once.
        WorkerProcess second = WorkerProcess.start(env, topics.prefix + "-second");
        awaitResults(topics, afterFirst + 10, second);
        second.kill();
        WorkerProcess third = WorkerProcess.start(env, topics.prefix + "-third");
        awaitResults(topics, afterFirst + 15, third);
        third.kill();

        try (WorkerProcess last = WorkerProcess.start(env, topics.prefix + "-last")) {
            var results = topics.read(topics.completed, ids.size(), Duration.ofSeconds(120), Duration.ofSeconds(3));
            assertThat(results.size()).as("results published after the first owner died: the others worked; log %s", last.log)
                    .isGreaterThan(afterFirst);
            assertExactlyOnePerRequest(results, ids.size());
        }
    }

    @Test
    void twoWorkersKilledInTurnWhilePausedAtTheirCapsPublishEachResultOnce(UpstreamSimulator simulator) throws Exception {
        TestTopics topics = new TestTopics(broker);
        topics.create(4);
        Map<String, String> env = topics.workerEnv(simulator);
        env.put("TRACKER_MAX_IN_FLIGHT", "15");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofSeconds(20))));
        }
        for (int i = 0; i < 300; i++) {
            ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(800 + i % 5 * 400L))));
        }
        topics.produceIds(ids);
        WorkerProcess[] workers = new WorkerProcess[2];
        for (int slot = 0; slot < 2; slot++) {
            workers[slot] = WorkerProcess.start(withInstance(env, topics, slot), topics.prefix + "-w" + slot + "-0");
        }
        try {
            int seen = 0;
            for (int kill = 1; kill <= 4; kill++) {
                seen += 8;
                awaitResults(topics, Math.min(seen, ids.size()), workers[kill % 2]);
                int slot = kill % 2;
                workers[slot].kill();
                workers[slot] = WorkerProcess.start(withInstance(env, topics, slot), topics.prefix + "-w" + slot + "-" + kill);
            }
            var results = topics.read(topics.completed, ids.size(), Duration.ofSeconds(150), Duration.ofSeconds(3));
            assertExactlyOnePerRequest(results, ids.size());
        } finally {
            for (WorkerProcess worker : workers) {
                worker.close();
            }
        }
    }

    private static Map<String, String> withInstance(Map<String, String> env, TestTopics topics, int slot) {
        Map<String, String> copy = new java.util.HashMap<>(env);
        copy.put("TRACKER_INSTANCE_ID", topics.prefix + "-pod-" + slot);
        return copy;
    }

    private void awaitResults(TestTopics topics, int count, WorkerProcess worker) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(topics.read(topics.completed, count, Duration.ofSeconds(2), Duration.ZERO))
                        .as("log: %s", worker.log).hasSizeGreaterThanOrEqualTo(count));
    }

    private void assertExactlyOnePerRequest(List<ConsumerRecord<byte[], byte[]>> results, int requests) {
        Map<String, Long> perRequest = results.stream().map(r -> codec.readFinalResult(r.value()))
                .collect(Collectors.groupingBy(r -> r.request().partition() + ":" + r.request().offset(), Collectors.counting()));
        assertThat(perRequest.values()).as("no request has two results").allMatch(count -> count == 1);
        assertThat(perRequest).as("every request has its result").hasSize(requests);
    }

    private OffsetAndMetadata committed(TestTopics topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            return admin.listConsumerGroupOffsets(topics.group).partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(topics.input, 0));
        }
    }

    private static double gauge(Worker worker, String name) {
        var gauge = worker.registry().find(name).gauge();
        return gauge == null ? 0 : gauge.value();
    }
}
