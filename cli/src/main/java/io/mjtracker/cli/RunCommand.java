package io.mjtracker.cli;

import io.mjtracker.simulator.Dialect;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskMix;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.EmbeddedKafkaBroker;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.ConfigException;
import io.mjtracker.worker.config.WorkerConfig;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The one-command run. With {@code KAFKA_BOOTSTRAP_SERVERS} and {@code MJ_API_BASE_URL} set it is the
 * plain worker. Otherwise it starts what is missing in this JVM: a real KRaft broker and, without an
 * API, two simulated upstreams tracked as two profiles (a CometAPI-like reseller as {@code default} and a
 * self-hosted midjourney-proxy with its own key header, a sync tick and no batch route as
 * {@code self-hosted}); it feeds sample tasks to both (simulator only), shows their progress live and
 * prints a summary. Ctrl-C stops everything cleanly.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        // The command list shows the header; the description's first line alone was cut mid-sentence.
        header = "Run the worker (with a local broker, simulator and sample tasks where none is configured).",
        description = {"Run the worker. Without KAFKA_BOOTSTRAP_SERVERS it starts an embedded Kafka broker;",
                "without MJ_API_BASE_URL two simulated upstreams (profiles default and self-hosted),",
                "and feeds them sample tasks.",
                "Every worker variable (docs/configuration.md) applies."})
final class RunCommand implements Callable<Integer> {

    @Option(names = "--tasks", description = "Sample tasks fed to the simulator (default: ${DEFAULT-VALUE}; 0: none).")
    int sampleTasks = 12;

    @Option(names = "--data-dir", description = "Keep the embedded broker's data here (default: a temporary directory, deleted on exit).")
    Path dataDir;

    @Option(names = "--keep-running", description = "Keep running after the sample tasks finished, until Ctrl-C.")
    boolean keepRunning;

    /** Within the range the worker learns a tick in (3..60 s), so the demo shows a learnt one. */
    private static final Duration SELF_HOSTED_TICK = Duration.ofSeconds(4);
    private static final String SELF_HOSTED_ENV = "MJ_UPSTREAM_SELF_HOSTED_";
    /** The quick mix in the dialect with string button types, as the self-hosted proxy's docs show. */
    private static final TaskMix SELF_HOSTED_MIX = new TaskMix(TaskMix.QUICK.queueMin(), TaskMix.QUICK.queueMax(),
            TaskMix.QUICK.runMin(), TaskMix.QUICK.runMax(), TaskMix.QUICK.failureShare(), TaskMix.QUICK.modalShare(),
            TaskMix.QUICK.cancelShare(), Dialect.APIDOC);

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        // What the worker will read, TRACKER_CONFIG_FILE included: settings only in the file must not get the demo.
        Map<String, String> settings = WorkerConfigLoader.effectiveSettings(env);
        boolean ownKafka = blank(settings.get("KAFKA_BOOTSTRAP_SERVERS"));
        boolean ownUpstream = blank(settings.get("MJ_API_BASE_URL"));
        if (isPlainWorker(settings)) {
            io.mjtracker.worker.Main.main(new String[0]);
            return 0;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopRequested.countDown();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ctrl-c"));
        List<AutoCloseable> started = new ArrayList<>();
        try {
            return runLocally(env, ownKafka, ownUpstream, started);
        } finally {
            System.out.println("stopping...");
            for (AutoCloseable resource : started.reversed()) {
                resource.close();
            }
            System.out.println("stopped.");
            stopped.countDown();
        }
    }

    private int runLocally(Map<String, String> env, boolean ownKafka, boolean ownUpstream, List<AutoCloseable> started)
            throws Exception {
        if (ownKafka) {
            System.out.println("starting an embedded Kafka broker (KRaft)...");
            if (dataDir != null) {
                Files.createDirectories(dataDir);
            }
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dataDir, Map.of());
            started.add(broker);
            env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
            System.out.println("  Kafka: " + broker.bootstrapServers());
        }
        UpstreamSimulator simulator = null;
        UpstreamSimulator selfHosted = null;
        String hookToken = null;
        if (ownUpstream) {
            String key = "local-demo-key";
            simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false).withMix(TaskMix.QUICK)
                    .withApiKey(key, "Authorization"));
            started.add(simulator);
            env.put("MJ_API_BASE_URL", simulator.baseUrl().toString());
            env.put("MJ_API_KEY", key);
            env.putIfAbsent("TRACKER_CADENCE_SCALE", "0.1");
            System.out.println("  upstream 'default': simulated reseller at " + simulator.baseUrl() + " (tasks take 3-13 s)");
            String secret = "local-self-hosted-secret";
            hookToken = "local-hook-" + java.util.UUID.randomUUID().toString().replace("-", "");
            selfHosted = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false).withMix(SELF_HOSTED_MIX)
                    .withApiKey(secret, "mj-api-secret").withBatch(false, 0).withRefresh(SELF_HOSTED_TICK));
            started.add(selfHosted);
            env.put(SELF_HOSTED_ENV + "BASE_URL", selfHosted.baseUrl().toString());
            env.put(SELF_HOSTED_ENV + "KEY", secret);
            env.put(SELF_HOSTED_ENV + "AUTH_HEADER", "mj-api-secret");
            env.putIfAbsent(SELF_HOSTED_ENV + "RATE_LIMIT_PER_SECOND", "5");
            // Its tasks call the worker's hook receiver on every change (docs/hooks.md).
            env.putIfAbsent(SELF_HOSTED_ENV + "HOOK_TOKEN", hookToken);
            env.putIfAbsent("HOOK_PORT", "0");
            System.out.println("  upstream 'self-hosted': simulated midjourney-proxy at " + selfHosted.baseUrl()
                    + " (key in mj-api-secret, " + SELF_HOSTED_TICK.toSeconds() + " s sync tick, no batch route)");
        }
        env.putIfAbsent("METRICS_PORT", "0");
        env.putIfAbsent("TRACKER_TOPIC_PARTITIONS", "4");
        WorkerConfig config;
        try {
            config = WorkerConfigLoader.load(env);
        } catch (ConfigException e) {
            System.err.println("mj-tracker: " + e.getMessage());
            return 2;
        }
        Worker worker = Worker.start(config);
        started.add(worker);
        String bootstrap = config.kafka().bootstrapServers();
        System.out.printf("  worker: metrics at http://localhost:%d/metrics%n", worker.metricsPort());
        if (selfHosted != null && worker.hookPort() > 0) {
            selfHosted.defaultNotifyHook(java.net.URI.create("http://127.0.0.1:" + worker.hookPort() + "/hooks/self-hosted/" + hookToken));
            System.out.printf("  hooks: the self-hosted upstream calls http://localhost:%d/hooks/self-hosted/<token> on every change%n",
                    worker.hookPort());
        }
        System.out.printf("  submit more with: ./mj-tracker submit --bootstrap %s [--upstream self-hosted] <task-id>...%n", bootstrap);
        List<String> ids = new ArrayList<>();
        if (simulator != null) {
            // Every other task goes to the self-hosted upstream, named in the request; its ids get a prefix
            // of their own, since both simulators number tasks by the clock.
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < sampleTasks; i++) {
                if (i % 2 == 0) {
                    String id = simulator.submit();
                    values.put(id, id);
                } else {
                    String id = "sh-" + System.currentTimeMillis() + "-" + i;
                    selfHosted.createTask(id, SELF_HOSTED_MIX.scriptFor(id));
                    values.put(id, "{\"id\":\"" + id + "\",\"upstream\":\"self-hosted\"}");
                }
            }
            ids.addAll(values.keySet());
            submit(clientConfig(config), config.kafka().topics().input(), values);
            System.out.println("  fed " + ids.size() + " sample tasks to the two upstreams; Ctrl-C stops\n");
        } else {
            System.out.println("  tracking tasks from " + config.kafka().topics().input() + "; Ctrl-C stops\n");
        }
        return follow(config, ids);
    }

    private int follow(WorkerConfig config, List<String> ids) throws InterruptedException {
        TaskBoard board = new TaskBoard(ids);
        BoardView view = new BoardView(System.out, BoardView.terminal());
        long start = System.nanoTime();
        var topics = config.kafka().topics();
        try (OutputFollower follower = new OutputFollower(clientConfig(config), topics.status(), topics.completed(), true)) {
            while (stopRequested.getCount() > 0) {
                follower.poll(board, Duration.ofMillis(250), view::changed);
                view.draw(board);
                if (!keepRunning && !ids.isEmpty() && board.allFinished()) {
                    break;
                }
            }
        }
        view.summary(board, Duration.ofNanos(System.nanoTime() - start));
        return 0;
    }

    /** @param values each request's value by task id, the key of its record */
    private static void submit(Map<String, Object> clientConfig, String topic, Map<String, String> values) throws Exception {
        try (var producer = new KafkaProducer<>(clientConfig, new StringSerializer(), new StringSerializer())) {
            for (var entry : values.entrySet()) {
                producer.send(new ProducerRecord<>(topic, entry.getKey(), entry.getValue())).get();
            }
        }
    }

    /** The bootstrap servers and the pass-through (security) settings, as the worker's clients have them. */
    private static Map<String, Object> clientConfig(WorkerConfig config) {
        Map<String, Object> clientConfig = new HashMap<>(config.kafka().clientOverrides());
        clientConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
        return clientConfig;
    }

    /** Both Kafka and the upstream are configured: {@code run} is then exactly the worker's {@code Main}. */
    static boolean isPlainWorker(Map<String, String> env) {
        return !blank(env.get("KAFKA_BOOTSTRAP_SERVERS")) && !blank(env.get("MJ_API_BASE_URL"));
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
