package io.mjtracker.bench;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.Dialect;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskMix;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.StandaloneBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
 * Exactly one result per request through crashes: three worker processes in one group, kill -9 of a
 * random one every few seconds (then a restart), and a count at the end. The classic mode restarts the
 * broker once; the backlog mode is the hard regime: a small in-flight cap so that workers pause, tasks
 * of mixed length with some that outlive several kills, the broker killed with kill -9 once and stopped
 * for 60 s once, and one worker frozen (SIGSTOP) past its session and thawed. Returns false (the bench
 * exits non-zero) on any lost or duplicated result.
 */
final class CrashTest {

    private static final TaskMix MIX = new TaskMix(Duration.ZERO, Duration.ofSeconds(2), Duration.ofSeconds(2),
            Duration.ofSeconds(8), 0.1, 0.02, 0.02, Dialect.COMET);
    /** Faults stop after this, so that whatever is left can finish and be counted. */
    private static final Duration FAULTS_UNTIL = Duration.ofMinutes(6);
    private static final Duration DEADLINE = Duration.ofMinutes(15);

    private CrashTest() {}

    /** One scheduled fault of a run, by seconds since the start. */
    private record Plan(boolean backlog, int brokerKillAt, int brokerStopAt, int brokerDownFor, int freezeAt, int frozenFor) {
        static Plan classicRun() {
            return new Plan(false, -1, 20, 0, -1, 0);
        }

        static Plan backlogRun() {
            return new Plan(true, 25, 70, 60, 160, 20);
        }
    }

    static boolean run(int taskCount) throws Exception {
        return run(taskCount, Plan.classicRun());
    }

    static boolean runBacklog(int taskCount) throws Exception {
        return run(taskCount, Plan.backlogRun());
    }

    private static boolean run(int taskCount, Plan plan) throws Exception {
        Path dir = Files.createTempDirectory("mj-crash");
        Random random = new Random(System.nanoTime());
        try (StandaloneBroker broker = new StandaloneBroker(dir.resolve("broker"));
                UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(true).withMix(MIX))) {
            Map<String, String> env = new HashMap<>();
            env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
            env.put("MJ_API_BASE_URL", simulator.baseUrl().toString());
            env.put("MJ_API_KEY", "crash");
            env.put("TRACKER_GROUP_ID", "crash");
            env.put("TRACKER_TOPIC_PARTITIONS", "12");
            // The group's limit: 150/s a worker while all three run, as when each had its own limit.
            env.put("TRACKER_RATE_LIMIT_PER_SECOND", "450");
            env.put("TRACKER_CADENCE_SCALE", "0.1");
            env.put("TRACKER_SHUTDOWN_TIMEOUT", "5s");
            env.put("METRICS_PORT", "-1");
            if (plan.backlog()) {
                env.put("TRACKER_MAX_IN_FLIGHT", "60");
                env.put("KAFKA_SESSION_TIMEOUT_MS", "6000");
                env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "1000");
                // One in twenty tasks runs 1-3 minutes: they outlive several kills and pin their partitions.
                for (int i = 0; i < taskCount; i += 20) {
                    simulator.createTask("c" + i, TaskScript.succeedsAfter(Duration.ofSeconds(5), Duration.ofSeconds(60 + random.nextInt(120))));
                }
            }
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("mj.tasks", 12, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
            try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                    new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < taskCount; i++) {
                    producer.send(new ProducerRecord<>("mj.tasks", "c" + i, "c" + i));
                }
            }
            return drive(taskCount, plan, broker, env, dir, random);
        }
    }

    private static boolean drive(int taskCount, Plan plan, StandaloneBroker broker, Map<String, String> env, Path dir, Random random)
            throws Exception {
        List<Process> workers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            workers.add(startWorker(env, dir, i));
        }
        long start = System.nanoTime();
        int kills = 0;
        int exitedByThemselves = 0;
        int frozen = -1;
        List<String> faults = new ArrayList<>();
        Map<String, Integer> perRequest = new HashMap<>();
        RecordCodec codec = new RecordCodec();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "crash-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("mj.tasks.completed"));
            long nextKill = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            long settleUntil = Long.MAX_VALUE;
            long brokerBackAt = -1;
            while (System.nanoTime() < Math.min(settleUntil, start + DEADLINE.toNanos())) {
                if (brokerBackAt < 0) {
                    for (var record : consumer.poll(Duration.ofMillis(500))) {
                        FinalResult result = codec.readFinalResult(record.value());
                        perRequest.merge(result.request().partition() + ":" + result.request().offset(), 1, Integer::sum);
                    }
                } else {
                    Thread.sleep(500); // the broker is away: nothing to read
                }
                long now = System.nanoTime();
                int second = (int) TimeUnit.NANOSECONDS.toSeconds(now - start);
                for (int slot = 0; slot < workers.size(); slot++) {
                    // A supervisor's job (Kubernetes restarts a pod that exits): count it, start it again.
                    if (!workers.get(slot).isAlive()) {
                        exitedByThemselves++;
                        System.out.printf("  %3ds: worker %d exited by itself (status %d); started again%n",
                                second, slot, workers.get(slot).exitValue());
                        workers.set(slot, startWorker(env, dir, slot));
                    }
                }
                if (perRequest.size() < taskCount && now > nextKill && now - start < FAULTS_UNTIL.toNanos()) {
                    int victim = random.nextInt(workers.size());
                    if (victim != frozen) {
                        workers.get(victim).destroyForcibly().waitFor();
                        workers.set(victim, startWorker(env, dir, victim));
                        kills++;
                        System.out.printf("  %3ds: kill -9 worker %d, started again; %d/%d results%n", second, victim, perRequest.size(), taskCount);
                    }
                    nextKill = now + TimeUnit.MILLISECONDS.toNanos(4000 + random.nextInt(3000));
                }
                if (second == plan.brokerKillAt() && !faults.contains("broker kill -9")) {
                    broker.kill();
                    broker.start();
                    faults.add("broker kill -9");
                    System.out.printf("  %3ds: broker killed (kill -9) and started again%n", second);
                }
                if (second == plan.brokerStopAt() && brokerBackAt < 0 && !faults.contains("broker stopped")) {
                    broker.stop();
                    faults.add("broker stopped");
                    brokerBackAt = now + TimeUnit.SECONDS.toNanos(plan.brokerDownFor());
                    System.out.printf("  %3ds: broker stopped for %d s%n", second, plan.brokerDownFor());
                }
                if (brokerBackAt > 0 && now >= brokerBackAt) {
                    broker.start();
                    brokerBackAt = -1;
                    System.out.printf("  %3ds: broker started again%n", second);
                }
                if (second == plan.freezeAt() && frozen < 0 && !faults.contains("worker frozen")) {
                    frozen = random.nextInt(workers.size());
                    signal(workers.get(frozen), "STOP");
                    faults.add("worker frozen");
                    System.out.printf("  %3ds: worker %d frozen (SIGSTOP) for %d s%n", second, frozen, plan.frozenFor());
                }
                if (frozen >= 0 && second >= plan.freezeAt() + plan.frozenFor()) {
                    signal(workers.get(frozen), "CONT");
                    System.out.printf("  %3ds: worker %d thawed (SIGCONT)%n", second, frozen);
                    frozen = -2;
                }
                if (perRequest.size() >= taskCount && settleUntil == Long.MAX_VALUE) {
                    settleUntil = now + TimeUnit.SECONDS.toNanos(15);
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
        // The live reader's own group offsets can be lost when the broker is killed, so it may read some
        // results twice; the verdict comes from one fresh read of the whole topic, start to end.
        perRequest = readAllResults(broker, codec);
        long results = perRequest.values().stream().mapToLong(Integer::intValue).sum();
        long duplicates = perRequest.values().stream().filter(count -> count > 1).mapToLong(count -> count - 1).sum();
        long lost = taskCount - perRequest.size();
        System.out.printf("crash test%s: requests %d, results %d, duplicates %d, lost %d; %d kill -9 of workers, "
                        + "%d exited by themselves, faults %s, %d s%n",
                plan.backlog() ? " (backlog)" : "", taskCount, results, duplicates, lost, kills, exitedByThemselves, faults,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        boolean held = duplicates == 0 && lost == 0;
        if (!held) {
            System.out.println("VIOLATION: exactly one result per request did not hold; worker logs in " + dir);
        }
        return held;
    }

    private static Map<String, Integer> readAllResults(StandaloneBroker broker, RecordCodec codec) {
        Map<String, Integer> perRequest = new HashMap<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor("mj.tasks.completed").stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(partition -> consumer.position(partition) < end.get(partition))) {
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    FinalResult result = codec.readFinalResult(record.value());
                    perRequest.merge(result.request().partition() + ":" + result.request().offset(), 1, Integer::sum);
                }
            }
        }
        return perRequest;
    }

    private static void signal(Process process, String signal) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    private static Process startWorker(Map<String, String> env, Path dir, int index) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "--sun-misc-unsafe-memory-access=allow",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.mjtracker.worker.Main")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("worker-" + index + ".log").toFile()));
        builder.environment().putAll(env);
        // A fixed id per slot, as a StatefulSet gives: the restarted worker takes its partitions back.
        builder.environment().put("TRACKER_INSTANCE_ID", "crash-worker-" + index);
        return builder.start();
    }
}
