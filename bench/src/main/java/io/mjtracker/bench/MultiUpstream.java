package io.mjtracker.bench;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RecordHeaders;
import io.mjtracker.simulator.Dialect;
import io.mjtracker.simulator.Faults;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskMix;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.EmbeddedKafkaBroker;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One worker, three upstream profiles, each its own simulator with its own key and 429 bucket just above
 * the profile's limit, the realistic task mix, every task submitted at once: a CometAPI-like reseller
 * ({@code default}, batches), a new-api gateway ({@code gateway}, batches, its own dialect) and a
 * self-hosted proxy ({@code self-hosted}: its own key header, no batch route, a higher limit). Run three
 * times in one invocation: all healthy, then with {@code self-hosted} down (503) from the start, then
 * with its key revoked (401), to show what its trouble costs the other two.
 */
final class MultiUpstream {

    private static final double LIMIT = 10;
    private static final double SELF_HOSTED_LIMIT = 40;
    private static final int BURST = 2;
    private static final String VICTIM = "self-hosted";

    private record Profile(String name, double limit, SimulatorConfig simulator) {}

    /** What befalls the self-hosted upstream during a run. */
    private enum Trouble { NONE, DOWN, KEY_REVOKED }

    private MultiUpstream() {}

    static void run(int tasksPerProfile, Duration cap) throws Exception {
        List<Profile> profiles = List.of(
                new Profile("default", LIMIT, simulator(LIMIT, Dialect.COMET).withApiKey("sk-reseller", "Authorization")),
                new Profile("gateway", LIMIT, simulator(LIMIT, Dialect.NEWAPI).withApiKey("sk-gateway", "Authorization")),
                new Profile("self-hosted", SELF_HOSTED_LIMIT, simulator(SELF_HOSTED_LIMIT, Dialect.APIDOC)
                        .withApiKey("self-secret", "mj-api-secret").withBatch(false, 0)));
        System.out.printf("multi-upstream: one worker, %d tasks per profile (realistic mix), all submitted at once; limits: "
                + "default %.0f/s, gateway %.0f/s (batches), self-hosted %.0f/s (no batch route); each simulator's 429 "
                + "bucket 5%% above its limit (burst %d); runs end when every expected result is in or after %s%n",
                tasksPerProfile, LIMIT, LIMIT, SELF_HOSTED_LIMIT, BURST, cap);
        System.out.println("  run                       upstream      done   lag p50   lag p95   lag max  req/task   429s");
        for (Trouble trouble : Trouble.values()) {
            once(profiles, tasksPerProfile, trouble, cap);
        }
    }

    private static SimulatorConfig simulator(double limit, Dialect dialect) {
        TaskMix mix = new TaskMix(TaskMix.REALISTIC.queueMin(), TaskMix.REALISTIC.queueMax(), TaskMix.REALISTIC.runMin(),
                TaskMix.REALISTIC.runMax(), TaskMix.REALISTIC.failureShare(), TaskMix.REALISTIC.modalShare(),
                TaskMix.REALISTIC.cancelShare(), dialect);
        return SimulatorConfig.defaults().withAutoCreate(false).withMix(mix)
                .withFaults(Faults.NONE.withRateLimit(limit * 1.05, BURST, true));
    }

    private static void once(List<Profile> profiles, int tasksPerProfile, Trouble trouble, Duration cap) throws Exception {
        Map<String, UpstreamSimulator> simulators = new LinkedHashMap<>();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            try {
                for (Profile profile : profiles) {
                    simulators.put(profile.name(), UpstreamSimulator.start(profile.simulator()));
                }
                UpstreamSimulator victim = simulators.get(VICTIM);
                switch (trouble) {
                    case NONE -> { }
                    case DOWN -> victim.faults(victim.faults().withOutage(true));
                    case KEY_REVOKED -> victim.requireKey("rotated-elsewhere");
                }
                measure(broker, profiles, simulators, tasksPerProfile, trouble, cap);
            } finally {
                simulators.values().forEach(UpstreamSimulator::close);
            }
        }
    }

    private static void measure(EmbeddedKafkaBroker broker, List<Profile> profiles, Map<String, UpstreamSimulator> simulators,
            int tasksPerProfile, Trouble trouble, Duration cap) throws Exception {
        Map<String, String> env = Rig.kafkaEnv(broker, "multi");
        env.put("TRACKER_MAX_IN_FLIGHT", Integer.toString(profiles.size() * tasksPerProfile + 100));
        env.put("TRACKER_MAX_TRACK_DURATION", "2h");
        for (Profile profile : profiles) {
            UpstreamSimulator simulator = simulators.get(profile.name());
            String key = profile.simulator().apiKey();
            String header = profile.simulator().authHeader();
            if (profile.name().equals("default")) {
                env.put("MJ_API_BASE_URL", simulator.baseUrl().toString());
                env.put("MJ_API_KEY", key);
                env.put("MJ_API_AUTH_HEADER", header);
                env.put("TRACKER_RATE_LIMIT_PER_SECOND", Double.toString(profile.limit()));
            } else {
                String variable = "MJ_UPSTREAM_" + profile.name().toUpperCase(java.util.Locale.ROOT).replace('-', '_') + "_";
                env.put(variable + "BASE_URL", simulator.baseUrl().toString());
                env.put(variable + "KEY", key);
                env.put(variable + "AUTH_HEADER", header);
                env.put(variable + "RATE_LIMIT_PER_SECOND", Double.toString(profile.limit()));
            }
        }
        Set<String> expected = new HashSet<>();
        try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
            List<ProducerRecord<String, String>> records = new ArrayList<>();
            for (Profile profile : profiles) {
                UpstreamSimulator simulator = simulators.get(profile.name());
                for (int i = 0; i < tasksPerProfile; i++) {
                    String id = simulator.submit();
                    ProducerRecord<String, String> record = new ProducerRecord<>(env.get("TRACKER_INPUT_TOPIC"), id, id);
                    record.headers().add(RecordHeaders.UPSTREAM, profile.name().getBytes(StandardCharsets.UTF_8));
                    records.add(record);
                    if (trouble == Trouble.NONE || !profile.name().equals(VICTIM)) {
                        expected.add(id + "@" + profile.name());
                    }
                }
            }
            long started = System.nanoTime();
            try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 20), new StringSerializer(), new StringSerializer())) {
                records.forEach(producer::send);
            }
            Map<String, List<Long>> lags = new HashMap<>();
            Map<String, Integer> done = new HashMap<>();
            Set<String> seen = new HashSet<>();
            RecordCodec codec = new RecordCodec();
            try (var consumer = Rig.resultsReader(broker, env)) {
                while (!seen.containsAll(expected) && System.nanoTime() - started < cap.toNanos()) {
                    for (var record : consumer.poll(Duration.ofMillis(500))) {
                        FinalResult result = codec.readFinalResult(record.value());
                        if (!seen.add(result.taskId() + "@" + result.upstream())) {
                            continue;
                        }
                        done.merge(result.upstream(), 1, Integer::sum);
                        Long finished = result.tracking().finishedUpstreamAt();
                        if (finished != null && finished > 0) {
                            lags.computeIfAbsent(result.upstream(), u -> new ArrayList<>()).add(result.tracking().detectedAt() - finished);
                        }
                    }
                }
            }
            String run = switch (trouble) {
                case NONE -> "all healthy";
                case DOWN -> VICTIM + " down";
                case KEY_REVOKED -> VICTIM + " key revoked";
            };
            for (Profile profile : profiles) {
                UpstreamSimulator simulator = simulators.get(profile.name());
                Percentiles lag = new Percentiles(lags.getOrDefault(profile.name(), List.of()).stream().mapToLong(Long::longValue).toArray());
                boolean measured = !lags.getOrDefault(profile.name(), List.of()).isEmpty();
                System.out.printf("  %-24s  %-12s %5d  %s %s %s  %8.2f  %5d%n", run, profile.name(), done.getOrDefault(profile.name(), 0),
                        seconds(measured, lag.at(50)), seconds(measured, lag.at(95)), seconds(measured, lag.at(100)),
                        (double) simulator.stats().totalRequests() / tasksPerProfile, simulator.stats().count(429));
            }
        }
    }

    private static String seconds(boolean measured, double millis) {
        return measured ? String.format("%7.1f s", millis / 1e3) : "       - ";
    }
}
