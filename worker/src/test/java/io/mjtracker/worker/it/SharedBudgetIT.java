package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaBroker;
import io.mjtracker.testkit.KafkaBrokerExtension;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.DoubleAccumulator;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code TRACKER_RATE_LIMIT_PER_SECOND} is the whole group's: each worker's share follows the input
 * partitions it owns, and through a rebalance the shares never add up to more than the limit.
 */
@ExtendWith({KafkaBrokerExtension.class, SimulatorExtension.class})
class SharedBudgetIT {

    private static final double LIMIT = 40;
    private static final String SHARE = "mjtracker.rate.limit.share";
    private static final String REBALANCES = "kafka.consumer.coordinator.rebalance.total";

    private final KafkaBroker broker;

    SharedBudgetIT(KafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void twoWorkersTakeHalfTheLimitEachAndOneTakesTheWholeWithinOneRebalanceWhenTheOtherStops(UpstreamSimulator simulator)
            throws Exception {
        TestTopics topics = new TestTopics(broker);
        topics.create(4);
        // One request per task poll, and far more polls wanted than the limit allows: the budget is spent
        // throughout, so the upstream sees what the shares allow, not what the work asks for.
        Map<String, String> env = topics.singleFetchEnv(simulator);
        env.put("TRACKER_RATE_LIMIT_PER_SECOND", Double.toString(LIMIT));
        topics.produceIds(simulator.createTasks(400, TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMinutes(10))));

        try (Worker one = Worker.start(WorkerConfigLoader.load(env))) {
            Gauge shareOne = gauge(one, SHARE);
            await().atMost(Duration.ofSeconds(60)).until(() -> shareOne.value() == LIMIT);

            Worker two = Worker.start(WorkerConfigLoader.load(env));
            Gauge shareTwo = gauge(two, SHARE);
            // Two joins: one must lower its share before two raises its own.
            double most = sampleSumWhile(shareTwo, shareOne, () -> shareOne.value() != LIMIT / 2 || shareTwo.value() != LIMIT / 2);
            assertThat(most).as("shares added up while two joined").isLessThanOrEqualTo(LIMIT);
            assertThat(assigned(one)).isEqualTo(2);
            assertThat(assigned(two)).isEqualTo(2);

            double rebalancesBefore = count(one, REBALANCES);
            Thread stopping = Thread.ofPlatform().start(two::close);
            // Two leaves: it lowers its share before giving its partitions up, and only then one raises its own.
            most = sampleSumWhile(shareOne, shareTwo, () -> shareOne.value() != LIMIT);
            stopping.join(Duration.ofSeconds(60));
            assertThat(most).as("shares added up while two left").isLessThanOrEqualTo(LIMIT);
            assertThat(shareTwo.value()).as("a stopped worker owns nothing and sends nothing").isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> count(one, REBALANCES) > rebalancesBefore);
            assertThat(count(one, REBALANCES) - rebalancesBefore).as("rebalances until one took the whole limit").isEqualTo(1);
            assertThat(assigned(one)).isEqualTo(4);
            // What the upstream saw, through both rebalances: never more than the group's limit in any second.
            assertThat(simulator.stats().maxRequestsInAnyWindow(Duration.ofSeconds(1))).as("most requests in any 1 s window")
                    .isLessThanOrEqualTo((int) LIMIT).isGreaterThanOrEqualTo((int) (LIMIT * 3 / 4));
        }
    }

    /**
     * The largest sum of both shares seen while {@code condition} holds (at most 60 s). The worker that
     * raises its share is read first: it raises only after the other lowered, so a raised value read
     * first is never paired with the other's value from before it lowered.
     */
    private static double sampleSumWhile(Gauge raising, Gauge lowering, BooleanSupplier condition) {
        DoubleAccumulator most = new DoubleAccumulator(Math::max, 0);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1)).until(() -> {
            double raised = raising.value();
            most.accumulate(raised + lowering.value());
            return !condition.getAsBoolean();
        });
        return most.get();
    }

    private static Gauge gauge(Worker worker, String name) {
        return worker.registry().get(name).gauge();
    }

    private static double assigned(Worker worker) {
        return gauge(worker, "mjtracker.partitions.assigned").value();
    }

    private static double count(Worker worker, String name) {
        return worker.registry().find(name).meters().stream()
                .mapToDouble(SharedBudgetIT::firstMeasurement).sum();
    }

    private static double firstMeasurement(Meter meter) {
        return meter.measure().iterator().next().getValue();
    }
}
