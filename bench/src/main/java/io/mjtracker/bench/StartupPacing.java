package io.mjtracker.bench;

import io.mjtracker.simulator.Faults;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.SimulatorStats;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.StandaloneBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * What a worker's start costs against an upstream that counts: a worker process (a cold JVM, as after a
 * deploy or a crash) started again and again against a simulator whose token bucket is the worker's limit
 * with a burst of 2, each time with 2,000 tasks that are always due. Per start: the gaps between its first
 * arrivals at the upstream (the limit spaces them 20.6 ms) and the 429s among its first 100 requests.
 * BENCHMARKS.md 3b: a cold HTTP client's first connection let two requests arrive together.
 */
final class StartupPacing {

    private static final double LIMIT = 50;
    private static final int FIRST = 100;

    private StartupPacing() {}

    static void run(int starts) throws Exception {
        Path dir = Files.createTempDirectory("mj-startup");
        try (StandaloneBroker broker = new StandaloneBroker(dir.resolve("broker"));
                UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(true)
                        .withMix(Rig.ENDLESS).withFaults(Faults.NONE.withRateLimit(LIMIT, 2, true)))) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("mj.tasks", 12, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
            CrashTest.produce(broker.bootstrapServers(), 2000, Duration.ZERO);
            Map<String, String> env = CrashTest.workerEnv(broker.bootstrapServers(), simulator, "startup");
            env.put("TRACKER_RATE_LIMIT_PER_SECOND", Double.toString(LIMIT));
            env.put("MJ_API_BATCH", "off");
            env.put("KAFKA_SESSION_TIMEOUT_MS", "6000");
            env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "1000");
            int refused = 0;
            int bunched = 0;
            for (int start = 1; start <= starts; start++) {
                simulator.stats().reset();
                Process worker = CrashTest.startWorker(env, dir, 0);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (simulator.stats().requests().size() < FIRST && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                worker.destroyForcibly().waitFor();
                List<SimulatorStats.Request> first = simulator.stats().requests().stream().limit(FIRST).toList();
                long rejected = first.stream().filter(request -> request.status() == 429).count();
                List<String> gaps = new ArrayList<>();
                boolean close = false;
                for (int i = 1; i < Math.min(5, first.size()); i++) {
                    double gapMillis = (first.get(i).arrivalNanos() - first.get(i - 1).arrivalNanos()) / 1e6;
                    gaps.add(String.format("%.1f", gapMillis));
                    close |= gapMillis < 10;
                }
                refused += rejected;
                bunched += close ? 1 : 0;
                System.out.printf("  start %2d: %d requests, 429s %d; first gaps %s ms%n", start, first.size(), rejected, String.join(", ", gaps));
                // The next start finds the bucket full, as after any pause.
                Thread.sleep(1000);
            }
            System.out.printf("startup pacing: %d cold starts at a limit of %.0f/s (bucket burst 2): 429s among the first %d requests %d in all;"
                    + " starts with two of their first five arrivals under 10 ms apart: %d%n", starts, LIMIT, FIRST, refused, bunched);
        }
    }
}
