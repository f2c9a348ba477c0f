package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaBroker;
import io.mjtracker.testkit.KafkaBrokerExtension;
import io.mjtracker.worker.Worker;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hooks across a group: a self-hosted proxy POSTs every task's changes to one worker's hook address, while
 * two workers share the tasks. Each worker acts on the hints for its own tasks, those received by the other
 * included, so every end is seen about as soon as it happens instead of at the next poll of the cadence;
 * and a hint never becomes a result by itself.
 */
@ExtendWith(KafkaBrokerExtension.class)
class HookHintsIT {

    private static final String TOKEN = "hook-token-for-tests-0123";
    private static final int TASKS = 40;

    private final KafkaBroker broker;
    private final RecordCodec codec = new RecordCodec();

    HookHintsIT(KafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void hintsReachTheWorkerTrackingTheTaskAndEndsAreSeenAtOnce() throws Exception {
        TestTopics topics = new TestTopics(broker);
        try (UpstreamSimulator proxy = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false).withBatch(false, 0))) {
            Map<String, String> env = topics.workerEnv(proxy);
            // The real cadence: without hooks an end is seen seconds late, at the next poll.
            env.put("TRACKER_CADENCE_SCALE", "1");
            env.put("MJ_API_BATCH", "off");
            env.put("MJ_API_HOOK_TOKEN", TOKEN);
            env.put("HOOK_PORT", "0");
            env.put("TRACKER_HINTS_TOPIC", topics.prefix + ".hints");
            try (Worker receiving = Workers.start(env, "receiving"); Worker other = Workers.start(env, "other")) {
                await().atMost(Duration.ofSeconds(30)).until(() -> assigned(receiving) > 0 && assigned(other) > 0
                        && assigned(receiving) + assigned(other) == 4);
                URI hook = URI.create("http://127.0.0.1:" + receiving.hookPort() + "/hooks/default/" + TOKEN);
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < TASKS; i++) {
                    ids.add(proxy.createTask(TaskScript.succeedsAfter(Duration.ofSeconds(1), Duration.ofSeconds(5)), hook));
                }
                topics.produceIds(ids);

                List<FinalResult> results = topics.read(topics.completed, TASKS, Duration.ofSeconds(60), Duration.ofSeconds(2))
                        .stream().map(record -> codec.readFinalResult(record.value())).toList();

                assertThat(results).extracting(FinalResult::taskId).containsExactlyInAnyOrderElementsOf(ids);
                assertThat(results).allSatisfy(result -> assertThat(result.outcome()).isEqualTo(Outcome.SUCCEEDED));
                List<Long> lags = results.stream()
                        .map(result -> result.tracking().detectedAt() - result.tracking().finishedUpstreamAt()).sorted().toList();
                assertThat(lags.get(lags.size() / 2)).as("median detection lag, ms (the cadence alone: seconds)").isLessThan(1_000);
                assertThat(hints(receiving, "sooner")).as("hints acted on where they were received").isPositive();
                assertThat(hints(other, "sooner")).as("hints received by the other worker, acted on here").isPositive();
                assertThat(hints(receiving, "untracked") + hints(other, "untracked"))
                        .as("each hint is read by both; the one not tracking the task drops it").isPositive();
            }
        }
    }

    private static double assigned(Worker worker) {
        var gauge = worker.registry().find("mjtracker.partitions.assigned").gauge();
        return gauge == null ? 0 : gauge.value();
    }

    private static double hints(Worker worker, String result) {
        return worker.registry().get("mjtracker.hints").tags("upstream", "default", "result", result).counter().count();
    }
}
