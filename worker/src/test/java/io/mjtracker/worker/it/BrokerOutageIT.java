package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.StandaloneBroker;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A broker stopped in the middle of a run is ridden out: the worker keeps running (live, not ready while
 * the broker is away), holds its results, and when the broker returns publishes each exactly once,
 * without a restart. Before the outage, intake takes requests in up to the in-flight cap exactly.
 */
@ExtendWith(SimulatorExtension.class)
class BrokerOutageIT {

    /**
     * Past the clients' timeouts (requests 30 s by default, the transaction 10 s, a blocked send or
     * commit 5 s), so that what is ridden out is their expiry, not a pause shorter than them.
     */
    private static final Duration OUTAGE = Duration.ofSeconds(35);
    private final RecordCodec codec = new RecordCodec();

    @Test
    void aBrokerStoppedMidRunLosesAndRepeatsNothing(UpstreamSimulator simulator) throws Exception {
        Path dir = Files.createTempDirectory("mj-outage");
        try (StandaloneBroker broker = new StandaloneBroker(dir)) {
            TestTopics topics = new TestTopics(broker);
            topics.create(4);
            Map<String, String> env = topics.workerEnv(simulator);
            env.put("TRACKER_MAX_IN_FLIGHT", "40");
            env.put("METRICS_PORT", "0");
            List<String> ids = new ArrayList<>();
            // A few tasks outlast the outage, so there is polling to keep up while the broker is away.
            for (int i = 0; i < 4; i++) {
                ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, OUTAGE.plusSeconds(15))));
            }
            for (int i = 0; i < 240; i++) {
                ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(1000 + i % 9 * 500L))));
            }
            topics.produceIds(ids);

            try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
                // All 244 requests are in Kafka at once, more than one poll brings: intake must stop at the cap exactly.
                AtomicInteger mostOpen = new AtomicInteger();
                Thread sampler = Thread.ofVirtual().start(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        mostOpen.accumulateAndGet((int) gauge(worker, "mjtracker.requests.open"), Math::max);
                        try {
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                await().atMost(Duration.ofSeconds(60)).until(() -> Workers.ready(worker) == 200);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> topics.read(topics.completed, 40, Duration.ofSeconds(1), Duration.ZERO).size() >= 40);
                sampler.interrupt();
                sampler.join();
                assertThat(mostOpen.get()).as("requests open: up to TRACKER_MAX_IN_FLIGHT, the rest of each poll rewound").isEqualTo(40);
                // The outage starts once intake has taken the next requests in: were the broker stopped before
                // that, only the four long tasks would be open and none would finish while it is away.
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                        .until(() -> gauge(worker, "mjtracker.requests.open") >= 20);

                broker.stop();
                long polledBefore = simulator.stats().totalRequests();
                double[] mostHeld = {0};
                // The outage itself: for its whole length the worker stays live and keeps polling the upstream.
                await().during(OUTAGE).atMost(OUTAGE.plusSeconds(10)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> {
                            mostHeld[0] = Math.max(mostHeld[0], gauge(worker, "mjtracker.results.pending"));
                            return Workers.live(worker) == 200;
                        });
                assertThat(Workers.ready(worker)).as("not ready while the broker is away").isEqualTo(503);
                assertThat(simulator.stats().totalRequests()).as("tracking went on during the outage").isGreaterThan(polledBefore);
                // Tasks went on finishing: their results were held, not dropped.
                assertThat(mostHeld[0]).as("results held while the broker was away").isPositive();
                broker.start();

                var results = topics.read(topics.completed, ids.size(), Duration.ofSeconds(120), Duration.ofSeconds(3));
                Map<String, Long> perRequest = results.stream().map(r -> codec.readFinalResult(r.value()))
                        .collect(Collectors.groupingBy(r -> r.request().partition() + ":" + r.request().offset(), Collectors.counting()));
                assertThat(perRequest.values()).as("no request has two results").allMatch(count -> count == 1);
                assertThat(perRequest).as("every request has its result").hasSize(ids.size());
                await().atMost(Duration.ofSeconds(60)).until(() -> Workers.ready(worker) == 200);
                assertThat(Workers.live(worker)).as("the same worker, never restarted").isEqualTo(200);
                assertThat(gauge(worker, "mjtracker.results.pending")).as("nothing left held").isZero();
                assertThat(gauge(worker, "mjtracker.transaction.in.doubt.seconds")).as("no transaction left in doubt").isZero();
            }
        }
    }

    private static double gauge(Worker worker, String name) {
        var gauge = worker.registry().find(name).gauge();
        return gauge == null ? 0 : gauge.value();
    }
}
