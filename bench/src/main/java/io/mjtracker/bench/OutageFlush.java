package io.mjtracker.bench;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.Dialect;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskMix;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.StandaloneBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The flush after a long broker outage: one worker (its own process) takes in n tasks at once with a cap
 * above n, the broker is stopped for {@code outage} while the tasks finish, and is started again. Every
 * result waits in the worker through the outage; the figure is how long after the broker's return the
 * last of them is published, and the verdict that each task has exactly one result. Before transactions
 * were bounded, the first one after the outage held every waiting result.
 */
final class OutageFlush {

    /** Tasks run 90-150 s after 0-20 s in the queue: they finish during the outage, which starts 60 s in. */
    private static final TaskMix MIX = new TaskMix(Duration.ZERO, Duration.ofSeconds(20), Duration.ofSeconds(90),
            Duration.ofSeconds(150), 0.05, 0.0, 0.0, Dialect.COMET);
    private static final Duration OUTAGE_AT = Duration.ofSeconds(60);
    private static final Duration DEADLINE_AFTER_RETURN = Duration.ofMinutes(10);

    private OutageFlush() {}

    static boolean run(int taskCount, Duration outage) throws Exception {
        Path dir = Files.createTempDirectory("mj-outage-flush");
        try (StandaloneBroker broker = new StandaloneBroker(dir.resolve("broker"));
                UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(true).withMix(MIX))) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("mj.tasks", 12, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
            long start = System.nanoTime();
            try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ProducerConfig.LINGER_MS_CONFIG, 20), new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < taskCount; i++) {
                    producer.send(new ProducerRecord<>("mj.tasks", "f" + i, "f" + i));
                }
            }
            Process worker = startWorker(broker, simulator, taskCount, dir);
            try {
                sleepUntil(start + OUTAGE_AT.toNanos());
                broker.stop();
                System.out.printf("  %3ds: broker stopped for %d s%n", seconds(start), outage.toSeconds());
                sleepUntil(System.nanoTime() + outage.toNanos());
                broker.start();
                long back = System.nanoTime();
                System.out.printf("  %3ds: broker started again%n", seconds(start));
                Map<String, Integer> perTask = new HashMap<>();
                long lastResultAt = awaitAll(broker, taskCount, back, perTask);
                long duplicates = perTask.values().stream().filter(count -> count > 1).mapToLong(count -> count - 1).sum();
                long lost = taskCount - perTask.size();
                boolean alive = worker.isAlive();
                System.out.printf("outage-flush: tasks %d, outage %d s, results %d, duplicates %d, lost %d; last result %.1f s after "
                                + "the broker's return; worker %s%n", taskCount, outage.toSeconds(),
                        perTask.values().stream().mapToLong(Integer::intValue).sum(), duplicates, lost,
                        (lastResultAt - back) / 1e9, alive ? "never restarted" : "EXITED (status " + worker.exitValue() + ")");
                boolean held = duplicates == 0 && lost == 0 && alive;
                if (!held) {
                    System.out.println("VIOLATION: worker log in " + dir);
                }
                return held;
            } finally {
                worker.destroy();
                worker.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Reads the completed topic until every task has a result or the deadline passes; returns when the last came. */
    private static long awaitAll(StandaloneBroker broker, int taskCount, long back, Map<String, Integer> perTask) {
        RecordCodec codec = new RecordCodec();
        long lastAt = back;
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor("mj.tasks.completed", Duration.ofMinutes(2)).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = back + DEADLINE_AFTER_RETURN.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    FinalResult result = codec.readFinalResult(record.value());
                    perTask.merge(result.taskId(), 1, Integer::sum);
                    lastAt = System.nanoTime();
                }
                if (perTask.size() >= taskCount && settleUntil == Long.MAX_VALUE) {
                    settleUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(15); // duplicates would show by then
                }
            }
        }
        return lastAt;
    }

    private static Process startWorker(StandaloneBroker broker, UpstreamSimulator simulator, int taskCount, Path dir) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx1g", "--sun-misc-unsafe-memory-access=allow",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.mjtracker.worker.Main")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("worker.log").toFile()));
        Map<String, String> env = builder.environment();
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("MJ_API_BASE_URL", simulator.baseUrl().toString());
        env.put("MJ_API_KEY", "flush");
        env.put("MJ_API_BATCH", "on");
        env.put("TRACKER_GROUP_ID", "flush");
        env.put("TRACKER_INSTANCE_ID", "flush-worker");
        env.put("TRACKER_TOPIC_PARTITIONS", "12");
        env.put("TRACKER_RATE_LIMIT_PER_SECOND", "100");
        env.put("TRACKER_MAX_IN_FLIGHT", Integer.toString(taskCount + 1_000));
        env.put("METRICS_PORT", "-1");
        return builder.start();
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long wait = nanos - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private static long seconds(long start) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    }
}
