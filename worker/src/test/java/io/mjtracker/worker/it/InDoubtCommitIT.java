package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RecordHeaders;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaFaultProxy;
import io.mjtracker.testkit.ProxiedBroker;
import io.mjtracker.testkit.StandaloneBroker;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import io.mjtracker.worker.schema.RecordSchemas;
import io.mjtracker.worker.intake.OffsetMetadataCodec;
import io.mjtracker.worker.intake.PartitionProgress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * A task that outlives thousands of others on its partition is checkpointed (written again to its own
 * partition) so the commit point moves on; and the transaction that carries its checkpoint commits on
 * the broker while the worker hears nothing for seconds (a network fault between them, made by a proxy
 * that holds the broker's answers). The worker must not take the checkpoint it may have written, now
 * visible, for a new request while its commit is in doubt: one result for the request, not two.
 */
@ExtendWith(SimulatorExtension.class)
class InDoubtCommitIT {

    private static final Duration ANSWERS_HELD = Duration.ofSeconds(8);
    private final RecordCodec codec = new RecordCodec();

    @Test
    void aCheckpointCommittedWhileTheWorkerWaitsForTheAnswerIsNotTakenInAsASecondRequest(UpstreamSimulator simulator) throws Exception {
        Path dir = Files.createTempDirectory("mj-in-doubt");
        try (ProxiedBroker proxied = ProxiedBroker.start(dir, Map.of())) {
            StandaloneBroker broker = proxied.broker();
            KafkaFaultProxy proxy = proxied.proxy();
            TestTopics topics = new TestTopics(broker);
            topics.create(1);
            Map<String, String> env = topics.workerEnv(simulator);
            env.put("TRACKER_TOPIC_PARTITIONS", "1");
            env.put("TRACKER_RATE_LIMIT_PER_SECOND", "1000");
            env.put("TRACKER_INSTANCE_ID", topics.prefix + "-w");
            // The commit is in doubt after a second without an answer, so the held answers leave it in doubt for seconds.
            env.put("KAFKA_MAX_BLOCK_MS", "1000");
            // Hold the answers from the first commit (EndTxn) of a transaction that wrote to the input topic:
            // the one carrying the checkpoint. Produce requests name topics by id.
            proxy.holdResponsesAfter("-results", List.of(topics.topicId(topics.input)), KafkaFaultProxy.END_TXN, ANSWERS_HELD);

            // Enough to carry the read position past the checkpoint line while the slow request pins offset 0.
            int fast = PartitionProgress.CHECKPOINT_SPAN + 1_000;
            String slow = simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofSeconds(40)));
            List<String> fastIds = new ArrayList<>();
            for (int i = 0; i < fast; i++) {
                fastIds.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ZERO)));
            }

            try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
                topics.produceIds(List.of(slow));
                topics.produceIds(fastIds);
                var early = topics.read(topics.completed, fast, Duration.ofSeconds(120), Duration.ZERO);
                assertThat(early).as("the fast tasks finish while the slow one runs").hasSizeGreaterThanOrEqualTo(fast)
                        .noneMatch(record -> new String(record.key(), StandardCharsets.UTF_8).equals(slow));

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(committed(topics).offset())
                        .as("the commit point moved past the slow request at offset 0").isGreaterThan(PartitionProgress.CHECKPOINT_SPAN));
                assertThat(committed(topics).metadata().length()).isLessThanOrEqualTo(OffsetMetadataCodec.MAX_LENGTH);
                // The broker may show the commit while the worker still waits for its answer (held by the proxy).
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(counter(worker, "mjtracker.requests.checkpointed")).as("checkpoints the worker saw committed").isPositive());
                assertThat(proxy.responseHoldsStarted()).as("the checkpoint's commit went unanswered for a while").isEqualTo(1);
                List<ConsumerRecord<byte[], byte[]>> checkpoints = topics.read(topics.input, Integer.MAX_VALUE, Duration.ofSeconds(8), Duration.ZERO)
                        .stream().filter(r -> r.headers().lastHeader(RecordHeaders.CHECKPOINT) != null).toList();
                assertThat(checkpoints).as("the slow request re-enqueued with its origin").anySatisfy(r -> {
                    assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(slow);
                    assertThat(new String(r.headers().lastHeader(RecordHeaders.CHECKPOINT).value(), StandardCharsets.UTF_8))
                            .contains("\"offset\":0");
                });
                assertThat(checkpoints.size()).as("stragglers only, not the requests merely in progress").isLessThan(fast / 10);
                RecordSchemas.assertAllMatch(RecordSchemas.INPUT_REQUEST, checkpoints.stream().map(ConsumerRecord::value).toList());
                RecordSchemas.assertAllMatch(RecordSchemas.CHECKPOINT_HEADER,
                        checkpoints.stream().map(r -> r.headers().lastHeader(RecordHeaders.CHECKPOINT).value()).toList());

                var all = topics.read(topics.completed, fast + 1, Duration.ofSeconds(90), Duration.ofSeconds(3));
                Map<String, List<FinalResult>> slowResults = all.stream().map(r -> codec.readFinalResult(r.value()))
                        .filter(result -> result.taskId().equals(slow)).collect(Collectors.groupingBy(FinalResult::taskId));
                assertThat(slowResults.get(slow)).as("the slow task's one result, naming the original request")
                        .singleElement().satisfies(result -> assertThat(result.request().offset()).isZero());
                Map<String, Long> perRequest = all.stream().map(r -> codec.readFinalResult(r.value()))
                        .collect(Collectors.groupingBy(r -> r.request().partition() + ":" + r.request().offset(), Collectors.counting()));
                assertThat(perRequest.values()).as("no request has two results").allMatch(count -> count == 1);
                assertThat(perRequest).as("every request has its result").hasSize(fast + 1);
            }
        }
    }


    private static OffsetAndMetadata committed(TestTopics topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", topics.broker.bootstrapServers()))) {
            return admin.listConsumerGroupOffsets(topics.group).partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(topics.input, 0));
        }
    }

    private static double counter(Worker worker, String name) {
        Counter counter = worker.registry().find(name).counter();
        return counter == null ? 0 : counter.count();
    }
}
