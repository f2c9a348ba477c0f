package io.mjtracker.bench;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.Dialect;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskMix;
import io.mjtracker.simulator.UpstreamSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Exactly one result per request through crashes: three worker processes in one group, kill -9 of a
 * random one every few seconds (then a restart), one broker restart, and a count at the end; a
 * violation makes {@code bench/run crash} exit with status 1.
 */
final class CrashTest {

    private static final TaskMix MIX = new TaskMix(Duration.ZERO, Duration.ofSeconds(2), Duration.ofSeconds(2),
            Duration.ofSeconds(8), 0.1, 0.02, 0.02, Dialect.COMET);

    private CrashTest() {}

    /** Runs it and prints the count; false where a request got no result or more than one. */
    static boolean run(int taskCount) throws Exception {
        Path dir = Files.createTempDirectory("mj-crash");
        Random random = new Random(1);
        try (StandaloneBroker broker = new StandaloneBroker(dir.resolve("broker"));
                UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(true).withMix(MIX))) {
            Map<String, String> env = new HashMap<>();
            env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
            env.put("MJ_API_BASE_URL", simulator.baseUrl().toString());
            env.put("MJ_API_KEY", "crash");
            env.put("TRACKER_GROUP_ID", "crash");
            env.put("TRACKER_TOPIC_PARTITIONS", "12");
            env.put("TRACKER_RATE_LIMIT_PER_SECOND", "150");
            env.put("TRACKER_CADENCE_SCALE", "0.1");
            env.put("TRACKER_SHUTDOWN_TIMEOUT", "5s");
            env.put("METRICS_PORT", "-1");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("mj.tasks", 12, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
            try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                    new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < taskCount; i++) {
                    producer.send(new ProducerRecord<>("mj.tasks", "c" + i, "c" + i));
                }
            }
            List<Process> workers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                workers.add(startWorker(env, dir, i));
            }
            long start = System.nanoTime();
            int kills = 0;
            boolean brokerRestarted = false;
            Map<String, Integer> perRequest = new HashMap<>();
            Set<String> ids = new HashSet<>();
            RecordCodec codec = new RecordCodec();
            try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "crash-reader",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of("mj.tasks.completed"));
                long nextKill = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                long settleUntil = Long.MAX_VALUE;
                while (System.nanoTime() < Math.min(settleUntil, start + TimeUnit.MINUTES.toNanos(8))) {
                    for (var record : consumer.poll(Duration.ofMillis(500))) {
                        FinalResult result = codec.readFinalResult(record.value());
                        perRequest.merge(result.request().partition() + ":" + result.request().offset(), 1, Integer::sum);
                        ids.add(result.taskId());
                    }
                    long now = System.nanoTime();
                    if (perRequest.size() < taskCount && now > nextKill) {
                        int victim = random.nextInt(workers.size());
                        workers.get(victim).destroyForcibly().waitFor();
                        workers.set(victim, startWorker(env, dir, victim));
                        kills++;
                        nextKill = now + TimeUnit.MILLISECONDS.toNanos(4000 + random.nextInt(3000));
                        System.out.printf("  %3ds: killed worker %d (kill -9) and started it again; %d/%d results%n",
                                TimeUnit.NANOSECONDS.toSeconds(now - start), victim, perRequest.size(), taskCount);
                    }
                    if (!brokerRestarted && now - start > TimeUnit.SECONDS.toNanos(20)) {
                        System.out.printf("  %3ds: restarting the broker%n", TimeUnit.NANOSECONDS.toSeconds(now - start));
                        broker.restart();
                        brokerRestarted = true;
                    }
                    if (perRequest.size() >= taskCount && settleUntil == Long.MAX_VALUE) {
                        settleUntil = now + TimeUnit.SECONDS.toNanos(10);
                    }
                }
            } finally {
                for (Process worker : workers) {
                    worker.destroy();
                }
                for (Process worker : workers) {
                    worker.waitFor(30, TimeUnit.SECONDS);
                }
            }
            long results = perRequest.values().stream().mapToLong(Integer::intValue).sum();
            long duplicates = perRequest.values().stream().filter(count -> count > 1).mapToLong(count -> count - 1).sum();
            System.out.printf("crash test: requests %d, results %d, duplicates %d, lost %d; %d kill -9, broker restarted %s, %d s%n",
                    taskCount, results, duplicates, taskCount - perRequest.size(), kills, brokerRestarted ? "once" : "never",
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
            if (duplicates > 0 || perRequest.size() < taskCount) {
                System.out.println("crash test: FAILED (every request must get exactly one result)");
                return false;
            }
            return true;
        }
    }

    private static Process startWorker(Map<String, String> env, Path dir, int index) throws java.io.IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), "io.mjtracker.worker.Main")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("worker-" + index + ".log").toFile()));
        builder.environment().putAll(env);
        // A fixed id per slot, as a StatefulSet gives: the restarted worker takes its partitions back.
        builder.environment().put("TRACKER_INSTANCE_ID", "crash-worker-" + index);
        return builder.start();
    }
}
