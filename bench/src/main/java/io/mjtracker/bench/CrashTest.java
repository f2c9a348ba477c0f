package io.mjtracker.bench;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RecordHeaders;
import io.mjtracker.simulator.Dialect;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskMix;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.StandaloneBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Exactly one result per request through crashes: worker processes in one group, kill -9 of a random
 * one every few seconds (then a restart), and a verdict by task id at the end. The classic mode restarts the
 * broker once; the backlog mode is the hard regime: a small in-flight cap so that workers pause, tasks
 * of mixed length with some that outlive several kills, the broker killed with kill -9 once and stopped
 * for 60 s once, and one worker frozen (SIGSTOP) past its session and thawed; the churn mode is the run
 * that once stalled on a hanging transaction (two workers, a broker restart amid kills). Returns false (the
 * bench exits non-zero) on any lost or duplicated result, a result naming another request, or a worker
 * that exited by itself.
 */
final class CrashTest {

    static final TaskMix MIX = new TaskMix(Duration.ZERO, Duration.ofSeconds(2), Duration.ofSeconds(2),
            Duration.ofSeconds(8), 0.1, 0.02, 0.02, Dialect.COMET);
    /** Faults stop after this, so that whatever is left can finish and be counted. */
    private static final Duration FAULTS_UNTIL = Duration.ofMinutes(6);
    private static final Duration DEADLINE = Duration.ofMinutes(15);

    private CrashTest() {}

    /**
     * The faults of a run, by seconds since the start.
     *
     * @param brokerStopEvery seconds from one broker stop to the next, 0 for a single stop
     * @param killAroundBrokerStart a worker is also killed within two seconds after the broker is back, when
     *     commits in flight across the restart are likeliest
     */
    private record Plan(String name, int workers, boolean backlog, int brokerKillAt, int brokerStopAt, int brokerDownFor,
            int brokerStopEvery, int freezeAt, int frozenFor, Duration faultsUntil, int killEveryMillis, int killJitterMillis,
            boolean killAroundBrokerStart, Duration spreadOver, Duration deadline) {
        static Plan classicRun() {
            return new Plan("crash", 3, false, -1, 20, 0, 0, -1, 0, FAULTS_UNTIL, 4000, 3000, false, Duration.ZERO, DEADLINE);
        }

        static Plan backlogRun() {
            return new Plan("crash-backlog", 3, true, 25, 70, 60, 0, 160, 20, FAULTS_UNTIL, 4000, 3000, false, Duration.ZERO, DEADLINE);
        }

        /**
         * The run that once left 564 requests unanswered (a hanging transaction on the group's offsets): two
         * workers with static membership, a kill -9 every ~6 s for 150 s, the broker stopped 15 s in for 5 s.
         * Every request must be answered within a few minutes of the last fault.
         */
        static Plan churnRun() {
            return new Plan("crash-churn", 2, false, -1, 15, 5, 0, -1, 0, Duration.ofSeconds(150), 5000, 2000, true,
                    Duration.ofSeconds(140), Duration.ofSeconds(150).plus(Duration.ofMinutes(4)));
        }

        /**
         * The churn run with the broker stopped six times (15 s in, then every 25 s, 5 s each): the suspected
         * source of a hanging transaction is a controlled shutdown that meets a transaction's end, so each stop
         * is another chance of one.
         */
        static Plan churnStopsRun() {
            return new Plan("crash-churn-stops", 2, false, -1, 15, 5, 25, -1, 0, Duration.ofSeconds(150), 5000, 2000, true,
                    Duration.ofSeconds(140), Duration.ofSeconds(150).plus(Duration.ofMinutes(4)));
        }
    }

    static boolean run(int taskCount) throws Exception {
        return run(taskCount, Plan.classicRun(), 0);
    }

    static boolean runBacklog(int taskCount) throws Exception {
        return run(taskCount, Plan.backlogRun(), 0);
    }

    /**
     * {@code runs} churn runs one after another, the broker stopped once or, with {@code repeatedStops}, six
     * times a run; false where any of them failed.
     *
     * @param ballastPartitions partitions of an idle topic the broker also leads: a controlled shutdown then
     *     takes longer to hand its partitions over, and a transaction that ends meanwhile may find a partition
     *     without a leader (the broker then skips its marker: a hanging transaction)
     */
    static boolean runChurn(int taskCount, int runs, boolean repeatedStops, int ballastPartitions) throws Exception {
        int failed = 0;
        for (int run = 1; run <= runs; run++) {
            System.out.printf("churn run %d of %d%n", run, runs);
            if (!run(taskCount, repeatedStops ? Plan.churnStopsRun() : Plan.churnRun(), ballastPartitions)) {
                failed++;
            }
        }
        System.out.printf("crash-churn: %d of %d runs held%n", runs - failed, runs);
        return failed == 0;
    }

    private static boolean run(int taskCount, Plan plan, int ballastPartitions) throws Exception {
        Path dir = Files.createTempDirectory("mj-crash");
        Random random = new Random(System.nanoTime());
        try (StandaloneBroker broker = new StandaloneBroker(dir.resolve("broker"));
                UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(true).withMix(MIX))) {
            Map<String, String> env = workerEnv(broker.bootstrapServers(), simulator, "crash");
            if (plan.workers() == 2) {
                // Session expiry of a killed static member within a few seconds, as in the run that stalled.
                env.put("KAFKA_SESSION_TIMEOUT_MS", "6000");
                env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "1000");
            }
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
                if (ballastPartitions > 0) {
                    admin.createTopics(List.of(new NewTopic("ballast", ballastPartitions, (short) 1))).all().get(5, TimeUnit.MINUTES);
                }
            }
            // Requests up front, or spread over the faults so that transactions are in flight at every kill.
            Thread producing = Thread.ofVirtual().name("crash-producer").start(() -> produce(broker.bootstrapServers(), taskCount, plan.spreadOver()));
            if (plan.spreadOver().isZero()) {
                producing.join();
            }
            return drive(taskCount, plan, broker, env, dir, random, () -> {
                try {
                    producing.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return ids(broker.bootstrapServers());
            });
        }
    }

    /**
     * The settings of the crash benches' workers against {@code simulator}: 12 input partitions, the group's
     * limit 450/s (150/s a worker while three run, as when each had its own limit), a fast cadence.
     */
    static Map<String, String> workerEnv(String bootstrap, UpstreamSimulator simulator, String group) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("MJ_API_BASE_URL", simulator.baseUrl().toString());
        env.put("MJ_API_KEY", group);
        env.put("TRACKER_GROUP_ID", group);
        env.put("TRACKER_TOPIC_PARTITIONS", "12");
        env.put("TRACKER_RATE_LIMIT_PER_SECOND", "450");
        env.put("TRACKER_CADENCE_SCALE", "0.1");
        env.put("TRACKER_SHUTDOWN_TIMEOUT", "5s");
        env.put("METRICS_PORT", "-1");
        return env;
    }

    /** Produces task ids c0..c{n-1} to mj.tasks, evenly over {@code spreadOver}. */
    static void produce(String bootstrap, int taskCount, Duration spreadOver) {
        long start = System.nanoTime();
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < taskCount; i++) {
                long due = start + spreadOver.toNanos() * i / taskCount;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                producer.send(new ProducerRecord<>("mj.tasks", "c" + i, "c" + i));
            }
        }
    }

    private static boolean drive(int taskCount, Plan plan, StandaloneBroker broker, Map<String, String> env, Path dir, Random random,
            Supplier<Map<String, String>> requests) throws Exception {
        List<Process> workers = new ArrayList<>();
        for (int i = 0; i < plan.workers(); i++) {
            workers.add(startWorker(env, dir, i));
        }
        long start = System.nanoTime();
        int kills = 0;
        int exitedByThemselves = 0;
        int frozen = -1;
        List<String> faults = new ArrayList<>();
        Map<String, Integer> perTask = new HashMap<>();
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
            int nextBrokerStop = plan.brokerStopAt() >= 0 ? plan.brokerStopAt() : Integer.MAX_VALUE;
            long killAfterBrokerBack = -1;
            while (System.nanoTime() < Math.min(settleUntil, start + plan.deadline().toNanos())) {
                if (brokerBackAt < 0) {
                    for (var record : consumer.poll(Duration.ofMillis(500))) {
                        FinalResult result = codec.readFinalResult(record.value());
                        perTask.merge(result.taskId(), 1, Integer::sum);
                    }
                } else {
                    Thread.sleep(500); // the broker is away: nothing to read
                }
                long now = System.nanoTime();
                int second = (int) TimeUnit.NANOSECONDS.toSeconds(now - start);
                exitedByThemselves += restartExited(workers, env, dir, second);
                boolean killNow = now > nextKill || killAfterBrokerBack > 0 && now >= killAfterBrokerBack;
                if ((perTask.size() < taskCount || !plan.spreadOver().isZero()) && killNow && now - start < plan.faultsUntil().toNanos()) {
                    killAfterBrokerBack = -1;
                    int victim = random.nextInt(workers.size());
                    if (victim != frozen) {
                        workers.get(victim).destroyForcibly().waitFor();
                        workers.set(victim, startWorker(env, dir, victim));
                        kills++;
                        System.out.printf("  %3ds: kill -9 worker %d, started again; %d/%d results%n", second, victim, perTask.size(), taskCount);
                    }
                    nextKill = now + TimeUnit.MILLISECONDS.toNanos(plan.killEveryMillis() + random.nextInt(plan.killJitterMillis()));
                }
                if (second == plan.brokerKillAt() && !faults.contains("broker kill -9")) {
                    broker.kill();
                    broker.start();
                    faults.add("broker kill -9");
                    System.out.printf("  %3ds: broker killed (kill -9) and started again%n", second);
                }
                if (second >= nextBrokerStop && brokerBackAt < 0 && now - start < plan.faultsUntil().toNanos()) {
                    broker.stop();
                    faults.add("broker stopped");
                    brokerBackAt = now + TimeUnit.SECONDS.toNanos(plan.brokerDownFor());
                    nextBrokerStop = plan.brokerStopEvery() > 0 ? second + plan.brokerStopEvery() : Integer.MAX_VALUE;
                    System.out.printf("  %3ds: broker stopped for %d s%n", second, plan.brokerDownFor());
                }
                if (brokerBackAt > 0 && now >= brokerBackAt) {
                    broker.start();
                    brokerBackAt = -1;
                    if (plan.killAroundBrokerStart()) {
                        killAfterBrokerBack = now + TimeUnit.MILLISECONDS.toNanos(random.nextInt(2000));
                    }
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
                if (perTask.size() >= taskCount && (plan.spreadOver().isZero() || now - start >= plan.faultsUntil().toNanos())
                        && settleUntil == Long.MAX_VALUE) {
                    settleUntil = now + TimeUnit.SECONDS.toNanos(15);
                }
            }
        } finally {
            stopAll(workers);
        }
        // The live reader's own group offsets can be lost when the broker is killed, so it may read some
        // results twice; the verdict comes from one fresh read of the whole topic, start to end, by task id:
        // each task was requested once, so it must have exactly one result, naming its own request.
        Map<String, String> requestOf = requests.get();
        Verdict verdict = Verdict.of(requestOf, readAllResults(broker.bootstrapServers(), codec));
        System.out.printf("%s: requests %d, %s; %d kill -9 of workers, %d exited by themselves, faults %s, %d s%n",
                plan.name(), taskCount, verdict, kills, exitedByThemselves, faults, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        return verdict.held(exitedByThemselves, dir);
    }

    /**
     * A supervisor's job (Kubernetes restarts a pod that exits): each worker that exited by itself is
     * counted, named and started again. Returns how many did.
     */
    static int restartExited(List<Process> workers, Map<String, String> env, Path dir, int second) throws IOException {
        int exited = 0;
        for (int slot = 0; slot < workers.size(); slot++) {
            if (!workers.get(slot).isAlive()) {
                exited++;
                System.out.printf("  %3ds: worker %d exited by itself (status %d); started again%n", second, slot, workers.get(slot).exitValue());
                workers.set(slot, startWorker(env, dir, slot));
            }
        }
        return exited;
    }

    /**
     * What one fresh read of the topics shows, by task id: each task was requested once, so it must have
     * exactly one result, naming its own request.
     */
    record Verdict(long results, long duplicates, long lost, long misnamed) {
        static Verdict of(Map<String, String> requestOf, Map<String, List<String>> resultsByTask) {
            return new Verdict(resultsByTask.values().stream().mapToLong(List::size).sum(),
                    resultsByTask.values().stream().filter(refs -> refs.size() > 1).mapToLong(refs -> refs.size() - 1).sum(),
                    requestOf.keySet().stream().filter(id -> !resultsByTask.containsKey(id)).count(),
                    resultsByTask.entrySet().stream().filter(entry -> entry.getValue().stream()
                            .anyMatch(ref -> !ref.equals(requestOf.get(entry.getKey())))).count());
        }

        boolean held() {
            return duplicates == 0 && lost == 0 && misnamed == 0;
        }

        /**
         * Whether the run held: this verdict, and no worker that exited by itself. Prints what the worker logs in
         * {@code dir} say of offset waits and hanging transactions, and where a run failed, where its logs are.
         */
        boolean held(int exitedByThemselves, Path dir) {
            System.out.println("  worker logs: " + WorkerLogs.stallsIn(dir));
            boolean held = held() && exitedByThemselves == 0;
            if (!held) {
                System.out.println("VIOLATION: exactly one result per request, by workers that never exit by themselves, did not hold;"
                        + " worker logs in " + dir);
            }
            return held;
        }

        @Override
        public String toString() {
            return "results " + results + ", duplicates " + duplicates + ", lost " + lost + ", naming another request " + misnamed;
        }
    }

    /** Each task id to its request, {@code partition:offset}, from one read of the input topic (ids are requested once). */
    static Map<String, String> ids(String bootstrap) {
        Map<String, String> requestOf = new HashMap<>();
        readToEnd(bootstrap, "mj.tasks", record -> {
            if (record.headers().lastHeader(RecordHeaders.CHECKPOINT) == null) {
                requestOf.put(new String(record.value(), StandardCharsets.UTF_8), record.partition() + ":" + record.offset());
            }
        });
        return requestOf;
    }

    /** Every committed result, by task id, as the requests it names ({@code partition:offset}). */
    static Map<String, List<String>> readAllResults(String bootstrap, RecordCodec codec) {
        Map<String, List<String>> byTask = new HashMap<>();
        readToEnd(bootstrap, "mj.tasks.completed", record -> {
            FinalResult result = codec.readFinalResult(record.value());
            byTask.computeIfAbsent(result.taskId(), id -> new ArrayList<>()).add(result.request().partition() + ":" + result.request().offset());
        });
        return byTask;
    }

    /** Reads {@code topic} from the start to its end offsets now, {@code read_committed}. */
    private static void readToEnd(String bootstrap, String topic, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(partition -> consumer.position(partition) < end.get(partition))) {
                consumer.poll(Duration.ofMillis(500)).forEach(each);
            }
        }
    }

    /** SIGTERM to every worker, then up to 30 s each for them to end. */
    static void stopAll(List<Process> workers) throws InterruptedException {
        for (Process worker : workers) {
            worker.destroy();
        }
        for (Process worker : workers) {
            worker.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static void signal(Process process, String signal) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    static Process startWorker(Map<String, String> env, Path dir, int index) throws IOException {
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
