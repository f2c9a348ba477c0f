package io.mjtracker.bench;

import io.mjtracker.simulator.Faults;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskMix;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.EmbeddedKafkaBroker;
import io.mjtracker.testkit.StandaloneBroker;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A broker, a simulator and a worker in this JVM, wired for one benchmark. */
final class Rig implements AutoCloseable {

    /** Tasks that stay queued or running for the whole benchmark, so every one keeps wanting polls. */
    static final TaskMix ENDLESS = new TaskMix(Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofHours(1), Duration.ofHours(2), 0, 0, 0, io.mjtracker.simulator.Dialect.COMET);

    final EmbeddedKafkaBroker broker;
    final UpstreamSimulator simulator;
    private final Process simulatorProcess;
    final Map<String, String> env = new HashMap<>();
    Worker worker;

    Rig(Faults faults) {
        this(faults, false);
    }

    /**
     * @param separateSimulator run the simulator in its own JVM, so that heap measured here is the
     *     worker's alone (the simulator keeps a record per task too); its tasks stay queued for 60..120 min
     */
    Rig(Faults faults, boolean separateSimulator) {
        this(separateSimulator ? null : SimulatorConfig.defaults().withAutoCreate(true).withMix(ENDLESS).withFaults(faults));
    }

    /** A rig whose simulator, in this JVM, runs as {@code simulatorConfig} says; null runs it in its own JVM. */
    Rig(SimulatorConfig simulatorConfig) {
        boolean separateSimulator = simulatorConfig == null;
        broker = EmbeddedKafkaBroker.start();
        String baseUrl;
        if (separateSimulator) {
            simulator = null;
            int port;
            try {
                port = StandaloneBroker.freePort();
                simulatorProcess = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx2g",
                        "-cp", System.getProperty("java.class.path"), "io.mjtracker.simulator.SimulatorMain",
                        "--port", Integer.toString(port), "--auto-create", "--queue", "60m..120m", "--run", "60m..120m")
                        .redirectErrorStream(true).start();
                String line = new java.io.BufferedReader(new java.io.InputStreamReader(simulatorProcess.getInputStream())).readLine();
                if (line == null || !line.contains("listening")) {
                    throw new IllegalStateException("simulator did not start: " + line);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            baseUrl = "http://127.0.0.1:" + port;
        } else {
            simulatorProcess = null;
            simulator = UpstreamSimulator.start(simulatorConfig);
            baseUrl = simulator.baseUrl().toString();
        }
        env.putAll(kafkaEnv(broker, "bench"));
        env.put("MJ_API_BASE_URL", baseUrl);
        env.put("MJ_API_KEY", "bench");
    }

    /** Worker settings for fresh topics and a fresh group on {@code broker}, 8 partitions, no metrics server. */
    static Map<String, String> kafkaEnv(EmbeddedKafkaBroker broker, String name) {
        String prefix = name + "-" + UUID.randomUUID().toString().substring(0, 6);
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("TRACKER_GROUP_ID", prefix);
        env.put("TRACKER_INPUT_TOPIC", prefix + ".tasks");
        env.put("TRACKER_STATUS_TOPIC", prefix + ".status");
        env.put("TRACKER_COMPLETED_TOPIC", prefix + ".completed");
        env.put("TRACKER_DLQ_TOPIC", prefix + ".dlq");
        env.put("TRACKER_TOPIC_PARTITIONS", "8");
        env.put("METRICS_PORT", "-1");
        return env;
    }

    /**
     * A read_committed reader of the completed topic named in {@code env}, from its start, in a group of its
     * own: what a downstream consumer of results sees.
     */
    static KafkaConsumer<byte[], byte[]> resultsReader(EmbeddedKafkaBroker broker, Map<String, String> env) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, env.get("TRACKER_GROUP_ID") + "-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(java.util.List.of(env.get("TRACKER_COMPLETED_TOPIC")));
        return consumer;
    }

    Worker start() {
        worker = Worker.start(WorkerConfigLoader.load(env));
        return worker;
    }

    void submit(int count) {
        submit(broker, env, "b", count);
    }

    /** Produces the ids {@code prefix0 .. prefix(count-1)} to the input topic named in {@code env}, keyed by id. */
    static void submit(EmbeddedKafkaBroker broker, Map<String, String> env, String prefix, int count) {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 20), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                String id = prefix + i;
                producer.send(new ProducerRecord<>(env.get("TRACKER_INPUT_TOPIC"), id, id));
            }
            producer.flush();
        }
    }

    double gauge(String name) {
        var gauge = worker.registry().find(name).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    double counter(String name) {
        return worker.registry().find(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    static void sleep(Duration duration) throws InterruptedException {
        Thread.sleep(duration);
    }

    @Override
    public void close() {
        if (worker != null) {
            worker.close();
        }
        if (simulator != null) {
            simulator.close();
        }
        if (simulatorProcess != null) {
            simulatorProcess.destroy();
        }
        broker.close();
    }
}
