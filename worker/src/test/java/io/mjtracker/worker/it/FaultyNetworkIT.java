package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaFaultProxy;
import io.mjtracker.testkit.ProxiedBroker;
import io.mjtracker.testkit.StandaloneBroker;
import io.mjtracker.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two workers reach their broker over a bad network (a TCP proxy between them): every answer of the broker
 * 200 ms late; one worker hearing no answer at all for 30 s while its requests still arrive; the other's
 * result commits cut off by a connection reset right after the broker got them. Every request is answered
 * exactly once, none is lost, and neither worker exits.
 */
@ExtendWith(SimulatorExtension.class)
class FaultyNetworkIT {

    private final RecordCodec codec = new RecordCodec();

    @Test
    void aSlowLinkALinkThatLosesAnswersAndResetsMidCommitLoseAndRepeatNothing(UpstreamSimulator simulator) throws Exception {
        Path dir = Files.createTempDirectory("mj-faulty-network");
        try (ProxiedBroker proxied = ProxiedBroker.start(dir, Map.of())) {
            StandaloneBroker broker = proxied.broker();
            KafkaFaultProxy proxy = proxied.proxy();
            proxy.latency(Duration.ofMillis(200));
            TestTopics topics = new TestTopics(broker);
            topics.create(4);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                long asked = System.nanoTime();
                admin.describeCluster().nodes().get();
                assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("a round trip through the slow link")
                        .isGreaterThanOrEqualTo(Duration.ofMillis(200));
            }
            Map<String, String> env = topics.workerEnv(simulator);
            env.put("METRICS_PORT", "0");
            env.put("TRACKER_MAX_IN_FLIGHT", "60");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(1000 + i % 9 * 400L))));
            }
            String deaf = topics.prefix + "-deaf";
            String reset = topics.prefix + "-reset";
            try (Worker first = Workers.start(env, deaf);
                    Worker second = Workers.start(env, reset)) {
                topics.produceIds(ids);
                topics.read(topics.completed, 60, Duration.ofSeconds(60), Duration.ZERO);
                // Commits of the second worker's result producer die with their connection, three times.
                proxy.resetAfter(reset + "-results", KafkaFaultProxy.END_TXN, 3);
                // The first worker hears nothing for 30 s: its commits go in doubt, its heartbeats' answers wait.
                proxy.holdResponsesNow(deaf, Duration.ofSeconds(30));

                var results = topics.read(topics.completed, ids.size(), Duration.ofSeconds(150), Duration.ofSeconds(3));
                Map<String, Long> perRequest = results.stream().map(r -> codec.readFinalResult(r.value()))
                        .collect(Collectors.groupingBy(r -> r.request().partition() + ":" + r.request().offset(), Collectors.counting()));
                assertThat(perRequest.values()).as("no request has two results").allMatch(count -> count == 1);
                assertThat(results.stream().map(r -> codec.readFinalResult(r.value())).map(FinalResult::taskId).distinct())
                        .as("lost: none").hasSize(ids.size());
                assertThat(proxy.resetsDone()).as("commits cut off by a reset").isEqualTo(3);
                assertThat(Workers.live(first)).as("the worker that heard nothing for 30 s never exited").isEqualTo(200);
                assertThat(Workers.live(second)).as("the worker whose commits were reset never exited").isEqualTo(200);
            }
        }
    }
}
