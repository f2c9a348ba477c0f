package io.mjtracker.worker.it;

import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.mjtracker.simulator.SimulatorConfig;
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
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A gateway that shows task changes only on its sync tick: the worker learns the tick from its answers. */
@ExtendWith(KafkaBrokerExtension.class)
class RefreshTickIT {

    private static final Duration TICK = Duration.ofSeconds(6);

    private final KafkaBroker broker;
    private UpstreamSimulator simulator;

    RefreshTickIT(KafkaBroker broker) {
        this.broker = broker;
    }

    /** Within one step of the tick; what the alignment saves is measured in BENCHMARKS.md 8b, not here. */
    private static boolean withinAStep(double learntSeconds) {
        return learntSeconds >= 5.75 && learntSeconds <= 6.25;
    }

    @AfterEach
    void stop() {
        if (simulator != null) {
            simulator.close();
        }
    }

    @Test
    void theTickIsLearntFromTheAnswers() {
        simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false).withRefresh(TICK));
        // Tasks that start and run as real ones do, each on its own time, so that their changes fall on different ticks.
        SplittableRandom random = new SplittableRandom(11);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            ids.add(simulator.createTask(TaskScript.succeedsAfter(
                    Duration.ofMillis(random.nextLong(10_000)), Duration.ofMillis(30_000 + random.nextLong(20_000)))));
        }
        TestTopics topics = new TestTopics(broker);
        Map<String, String> env = topics.singleFetchEnv(simulator);
        // Running tasks polled every 0.25..5 s: mostly faster than the tick, as a real cadence against a 15 s tick.
        env.put("TRACKER_CADENCE_SCALE", "0.25");
        env.put("TRACKER_RATE_LIMIT_PER_SECOND", "250");

        try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
            topics.produceIds(ids);
            // The estimate moves in steps as answers come in and may rest on a neighbouring value for a while;
            // the test ends once it is right and stays right, instead of when the last task ends (EndToEndIT
            // checks outcomes).
            Gauge learnt = worker.registry().get("mjtracker.upstream.refresh.period.seconds").gauge();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> withinAStep(learnt.value()));
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> withinAStep(learnt.value()));
        }
    }
}
