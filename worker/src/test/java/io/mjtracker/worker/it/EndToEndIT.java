package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RecordHeaders;
import io.mjtracker.common.record.RequestRef;
import io.mjtracker.common.record.StatusUpdate;
import io.mjtracker.simulator.NotFoundStyle;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaBroker;
import io.mjtracker.testkit.KafkaBrokerExtension;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import io.mjtracker.worker.schema.RecordSchemas;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The product's core promise, end to end against a real broker and the simulator. */
@ExtendWith({KafkaBrokerExtension.class, SimulatorExtension.class})
class EndToEndIT {

    private final KafkaBroker broker;
    private final RecordCodec codec = new RecordCodec();

    EndToEndIT(KafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void everyRequestGetsExactlyOneResultWithTheRightOutcome(UpstreamSimulator simulator) {
        TestTopics topics = new TestTopics(broker);
        Map<String, Outcome> expected = new HashMap<>();
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Duration queue = Duration.ofMillis(i % 7 * 150);
            Duration run = Duration.ofMillis(800 + i % 11 * 200);
            TaskScript script = TaskScript.succeedsAfter(queue, run);
            Outcome outcome = Outcome.SUCCEEDED;
            String id;
            switch (i % 20) {
                case 0, 1 -> { script = script.withEnd("FAILURE", "Banned prompt"); outcome = Outcome.FAILED; }
                case 2 -> { script = script.withEnd("MODAL", null); outcome = Outcome.NEEDS_ACTION; }
                case 3 -> { script = script.withEnd("CANCEL", null); outcome = Outcome.CANCELLED; }
                case 4 -> script = script.invisibleFor(Duration.ofSeconds(1), NotFoundStyle.values()[i / 20 % 5]);
                case 5 -> script = script.withEmptyStatusFor(Duration.ofMillis(500));
                case 6 -> { script = TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMinutes(10)); outcome = Outcome.TIMED_OUT; }
                default -> { }
            }
            if (i % 20 == 7) {
                id = "never-created-" + i;
                outcome = Outcome.NOT_FOUND;
            } else {
                id = simulator.createTask(script);
            }
            expected.put(id, outcome);
            requests.add(id);
            if (i % 100 == 8) {
                requests.add(id); // the same id requested twice while in flight
            }
        }
        Map<String, String> env = topics.workerEnv(simulator);
        env.put("TRACKER_MAX_TRACK_DURATION", "12s");

        try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
            topics.produceIds(requests);
            var results = topics.read(topics.completed, requests.size(), Duration.ofSeconds(90), Duration.ofSeconds(2));

            assertThat(results).hasSize(requests.size());
            List<FinalResult> parsed = results.stream().map(r -> codec.readFinalResult(r.value())).toList();
            assertThat(parsed.stream().map(FinalResult::request).distinct()).as("one result per request").hasSize(requests.size());
            assertThat(parsed).allSatisfy(result ->
                    assertThat(result.outcome()).as(result.taskId()).isEqualTo(expected.get(result.taskId())));
            assertThat(results).allSatisfy(record ->
                    assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(codec.readFinalResult(record.value()).taskId()));
            assertThat(parsed).filteredOn(r -> r.outcome() == Outcome.SUCCEEDED)
                    .allSatisfy(r -> assertThat(r.taskJson()).contains("\"imageUrl\":\"http"));
            assertThat(parsed).filteredOn(r -> r.outcome() == Outcome.FAILED)
                    .allSatisfy(r -> assertThat(r.reason()).isEqualTo("Banned prompt"));
            assertThat(parsed).filteredOn(r -> r.outcome() == Outcome.TIMED_OUT).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.taskJson()).as("the task as last fetched").contains("\"status\":\"IN_PROGRESS\""));

            // Every request the upstream ever showed gets updates; only never-created ids get none.
            Map<RequestRef, FinalResult> seen = parsed.stream().filter(r -> r.outcome() != Outcome.NOT_FOUND)
                    .collect(Collectors.toMap(FinalResult::request, r -> r));
            var updates = topics.read(topics.status, seen.size(), Duration.ofSeconds(30), Duration.ofSeconds(3));
            assertEveryRequestGotItsUpdatesInOrder(updates, seen);
            // Every outcome, as consumers generated from the published schemas read it.
            RecordSchemas.assertAllMatch(RecordSchemas.FINAL_RESULT, results.stream().map(ConsumerRecord::value).toList());
            RecordSchemas.assertAllMatch(RecordSchemas.STATUS_UPDATE, updates.stream().map(ConsumerRecord::value).toList());
        }
    }

    /**
     * Per request, in topic order: at least one update; strictly rising poll counts, non-decreasing
     * observation times and progress while running, never the same status and progress twice in a row;
     * the last update shows the status the task ended with (still IN_PROGRESS for a timed-out one).
     */
    private void assertEveryRequestGotItsUpdatesInOrder(List<ConsumerRecord<byte[], byte[]>> records, Map<RequestRef, FinalResult> seen) {
        Map<RequestRef, List<StatusUpdate>> byRequest = records.stream()
                .map(r -> codec.readStatusUpdate(r.value()))
                .collect(Collectors.groupingBy(StatusUpdate::request, java.util.LinkedHashMap::new, Collectors.toList()));
        assertThat(byRequest.keySet()).as("requests with status updates").containsExactlyInAnyOrderElementsOf(seen.keySet());
        byRequest.forEach((request, updates) -> {
            FinalResult result = seen.get(request);
            String name = result.taskId() + "@" + request.partition() + ":" + request.offset();
            assertThat(updates).as(name).allSatisfy(update -> assertThat(update.taskId()).isEqualTo(result.taskId()));
            for (int i = 1; i < updates.size(); i++) {
                StatusUpdate previous = updates.get(i - 1);
                StatusUpdate current = updates.get(i);
                assertThat(current.pollCount()).as(name).isGreaterThan(previous.pollCount());
                assertThat(current.observedAt()).as(name).isGreaterThanOrEqualTo(previous.observedAt());
                assertThat(Objects.equals(current.status(), previous.status())
                        && Objects.equals(current.progressRaw(), previous.progressRaw())).as(name + " repeats itself").isFalse();
                if ("IN_PROGRESS".equals(previous.status()) && "IN_PROGRESS".equals(current.status())) {
                    assertThat(current.progressPercent()).as(name + " progress").isGreaterThanOrEqualTo(previous.progressPercent());
                }
            }
            assertThat(updates.getLast().status()).as(name + " last status").isEqualTo(switch (result.outcome()) {
                case SUCCEEDED -> "SUCCESS";
                case FAILED -> "FAILURE";
                case NEEDS_ACTION -> "MODAL";
                case CANCELLED -> "CANCEL";
                case TIMED_OUT -> "IN_PROGRESS";
                case NOT_FOUND -> throw new AssertionError("no updates expected for " + name);
            });
        });
    }

    @Test
    void badInputIsDeadLetteredWithItsOriginalBytesAndDoesNotBlockThePartition(UpstreamSimulator simulator) {
        TestTopics topics = new TestTopics(broker);
        String good = simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(300)));
        byte[] binary = {(byte) 0xC3, (byte) 0x28, 0x00, (byte) 0xFF};
        List<byte[]> values = List.of(new byte[0], "{\"id\":".getBytes(StandardCharsets.UTF_8), "../../etc/passwd".getBytes(StandardCharsets.UTF_8),
                binary, "{\"user\":\"x\"}".getBytes(StandardCharsets.UTF_8), ("{\"id\":\"" + good + "\",\"user\":\"u-1\"}").getBytes(StandardCharsets.UTF_8));
        Map<String, String> env = topics.workerEnv(simulator);
        env.put("TRACKER_TOPIC_PARTITIONS", "1");

        try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
            topics.produce(values);
            var letters = topics.read(topics.deadLetter, 5, Duration.ofSeconds(30), Duration.ofSeconds(1));
            var results = topics.read(topics.completed, 1, Duration.ofSeconds(30), Duration.ofSeconds(1));

            assertThat(letters).hasSize(5);
            assertThat(letters.stream().map(r -> header(r, RecordHeaders.DLQ_REASON).split(":")[0]))
                    .containsExactly("empty", "bad_json", "invalid_id", "not_utf8", "missing_id");
            assertThat(letters.get(3).value()).isEqualTo(binary);
            assertThat(letters).allSatisfy(r -> {
                assertThat(header(r, RecordHeaders.DLQ_TOPIC)).isEqualTo(topics.input);
                assertThat(header(r, RecordHeaders.DLQ_PARTITION)).isEqualTo("0");
            });
            assertThat(letters.stream().map(r -> header(r, RecordHeaders.DLQ_OFFSET))).containsExactly("0", "1", "2", "3", "4");
            assertThat(results).singleElement().satisfies(r -> {
                FinalResult result = codec.readFinalResult(r.value());
                assertThat(result.outcome()).isEqualTo(Outcome.SUCCEEDED);
                assertThat(result.metadata().get("user").asText()).isEqualTo("u-1");
            });
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
