package io.mjtracker.bench;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.Faults;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskMix;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * How many tasks one key's request budget keeps on time: one worker limited to 10 requests/s against the
 * simulator whose 429 bucket is just above it, the realistic task mix (queued 0-60 s, running 20-90 s),
 * every task submitted at once; batch polling and single fetches in the same run. Detection lag is each
 * result's {@code detectedAt - finishedUpstreamAt}, read back from the completed topic.
 */
final class Capacity {

    private static final double LIMIT = 10;
    /**
     * The bucket holds two requests: with one, a request the simulator's busy threads start handling late
     * (it renders a hundred tasks per batch answer) arrives bunched with the next and is refused, though
     * the worker sent them 103 ms apart.
     */
    private static final int BURST = 2;
    /** From this many tasks on, batches held at 100 ids cannot cover the cadence: that is measured too, against the growing default. */
    private static final int LARGE = 20_000;
    /**
     * A warmed run first tracks this many tasks for {@link #WARM_UP}, so that the measured tasks arrive at a
     * worker that has run a while (with learning on, one that knows the tick), as in a deployment that runs for days.
     */
    private static final int WARM_UP_TASKS = 50;
    private static final Duration WARM_UP = Duration.ofSeconds(90);

    private Capacity() {}

    /**
     * @param refresh a sync tick for the simulator (0: none); with one, each size runs with learning on and off
     * @param options the modes to run ({@code batch}, {@code batch-100}, {@code single}; {@code refresh}, {@code
     *     single} with a tick, and {@code batch} there only when named), or none for all of them; with a tick,
     *     {@code warm} measures the tasks after a warm-up instead of from a cold start
     */
    static void run(List<Integer> sizes, Duration refresh, Duration cap, Set<String> options) throws Exception {
        boolean warm = options.contains("warm");
        Set<String> modes = new HashSet<>(options);
        modes.remove("warm");
        // A warmed run counts the measured tasks' own single fetches: a batch asks for warm-up tasks too.
        if (warm && (refresh.isZero() || modes.contains("batch"))) {
            throw new IllegalArgumentException("warm measures single fetches against a gateway with a tick: capacity-refresh, without batch");
        }
        System.out.printf("capacity: limit %.0f req/s (simulator bucket %.1f/s, burst %d), realistic mix, all submitted at once%s; "
                + "runs end when every result is in or after %s%n", LIMIT, LIMIT * 1.05, BURST,
                refresh.isZero() ? "" : ", gateway sync tick " + refresh.toSeconds() + " s", cap);
        if (warm) {
            System.out.printf("warm: each run first tracks %d other tasks for %d s; figures cover only the tasks submitted after that%n",
                    WARM_UP_TASKS, WARM_UP.toSeconds());
        }
        System.out.println("  tasks  mode            done   lag p50   lag p95   lag max  req/task   429s  wall");
        for (int tasks : sizes) {
            if (refresh.isZero()) {
                if (modes.isEmpty() || modes.contains("batch")) {
                    once(tasks, "batch", Map.of("MJ_API_BATCH", "on"), refresh, cap, false);
                }
                if (tasks >= LARGE && (modes.isEmpty() || modes.contains("batch-100"))) {
                    once(tasks, "batch, 100 ids", Map.of("MJ_API_BATCH", "on", "MJ_API_BATCH_MAX_IDS", "100"), refresh, cap, false);
                }
                if (modes.isEmpty() || modes.contains("single")) {
                    once(tasks, "single", Map.of("MJ_API_BATCH", "off"), refresh, cap, false);
                }
            } else {
                if (modes.isEmpty() || modes.contains("refresh")) {
                    once(tasks, "single+refresh", Map.of("MJ_API_BATCH", "off", "MJ_API_REFRESH", "auto"), refresh, cap, warm);
                }
                if (modes.isEmpty() || modes.contains("single")) {
                    once(tasks, "single", Map.of("MJ_API_BATCH", "off", "MJ_API_REFRESH", "off"), refresh, cap, warm);
                }
                // Batches with the tick learnt: not part of the default pair, which compares single fetches.
                if (modes.contains("batch")) {
                    once(tasks, "batch+refresh", Map.of("MJ_API_BATCH", "on", "MJ_API_REFRESH", "auto"), refresh, cap, warm);
                }
            }
        }
    }

    /** Every 10 s on stderr, what the worker wants and gets: the figures behind a lag that grows. */
    private static void showProgress(Rig rig, long started) {
        long lastPolls = 0;
        long lastRequests = 0;
        try {
            while (true) {
                Thread.sleep(10_000);
                long polls = (long) rig.counter("mjtracker.task.polls");
                long requests = rig.simulator.stats().totalRequests();
                System.err.printf("  %4.0f s: tracked %6.0f, finished %6.0f, polls wanted %7.0f/s, budget %6.0f/s, sent %6.0f/s"
                        + " in %4.1f req/s of up to %4.0f ids, overdue %6.0f, status updates %8.0f%n",
                        (System.nanoTime() - started) / 1e9, rig.gauge("mjtracker.tasks.inflight"),
                        rig.counter("mjtracker.tasks.finished"), rig.gauge("mjtracker.polls.wanted"),
                        rig.gauge("mjtracker.polls.budget"), (polls - lastPolls) / 10.0, (requests - lastRequests) / 10.0, rig.gauge("mjtracker.batch.size"),
                        rig.gauge("mjtracker.polls.overdue"), rig.counter("mjtracker.status.updates.published"));
                lastPolls = polls;
                lastRequests = requests;
            }
        } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt();
        }
    }

    private static void once(int tasks, String mode, Map<String, String> settings, Duration refresh, Duration cap, boolean warm)
            throws Exception {
        SimulatorConfig simulator = SimulatorConfig.defaults().withAutoCreate(false).withMix(TaskMix.REALISTIC)
                .withFaults(Faults.NONE.withRateLimit(LIMIT * 1.05, BURST, true)).withRefresh(refresh);
        try (Rig rig = new Rig(simulator)) {
            rig.env.put("TRACKER_RATE_LIMIT_PER_SECOND", Double.toString(LIMIT));
            rig.env.put("TRACKER_MAX_IN_FLIGHT", Integer.toString(Math.max(tasks + (warm ? WARM_UP_TASKS : 0), 100)));
            rig.env.put("TRACKER_MAX_TRACK_DURATION", "2h");
            rig.env.putAll(settings);
            rig.start();
            if (warm) {
                submit(rig, created(rig, WARM_UP_TASKS));
                Thread.sleep(WARM_UP.toMillis());
                System.err.printf("  warm-up over: tick learnt %.2f s (0: none)%n", rig.gauge("mjtracker.upstream.refresh.period.seconds"));
            }
            long requestsBefore = rig.simulator.stats().totalRequests();
            List<String> ids = created(rig, tasks);
            long started = System.nanoTime();
            submit(rig, ids);
            Thread progress = Thread.ofPlatform().daemon().start(() -> showProgress(rig, started));
            Set<String> measured = new HashSet<>(ids);
            List<Long> lags = new ArrayList<>(tasks);
            Set<String> seen = new HashSet<>();
            RecordCodec codec = new RecordCodec();
            try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    rig.broker.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, "capacity-reader",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(rig.env.get("TRACKER_COMPLETED_TOPIC")));
                while (seen.size() < tasks && System.nanoTime() - started < cap.toNanos()) {
                    for (var record : consumer.poll(Duration.ofMillis(500))) {
                        FinalResult result = codec.readFinalResult(record.value());
                        Long finished = result.tracking().finishedUpstreamAt();
                        // Tasks that end without a finishTime (cancelled, waiting for the user) have no lag to measure.
                        if (measured.contains(result.taskId()) && seen.add(result.taskId()) && finished != null && finished > 0) {
                            lags.add(result.tracking().detectedAt() - finished);
                        }
                    }
                }
            }
            progress.interrupt();
            double wall = (System.nanoTime() - started) / 1e9;
            // Warmed, the warm-up tasks' requests overlap the measured ones': count the measured tasks' own fetches.
            long requests = warm ? ids.stream().mapToLong(rig.simulator.stats()::fetchCount).sum()
                    : rig.simulator.stats().totalRequests() - requestsBefore;
            Percentiles lag = new Percentiles(lags.stream().mapToLong(Long::longValue).toArray());
            System.out.printf("%7d  %-14s %6d  %7.1f s %7.1f s %7.1f s  %8.2f  %5d  %4.0f s%n", tasks, mode + (warm ? ", warm" : ""),
                    seen.size(), lag.at(50) / 1e3, lag.at(95) / 1e3, lag.at(100) / 1e3, (double) requests / tasks,
                    rig.simulator.stats().count(429), wall);
        }
    }

    private static List<String> created(Rig rig, int tasks) {
        List<String> ids = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            ids.add(rig.simulator.submit());
        }
        return ids;
    }

    /** Produces every id at once, keyed by itself. */
    private static void submit(Rig rig, List<String> ids) {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                rig.broker.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 20), new StringSerializer(), new StringSerializer())) {
            for (String id : ids) {
                producer.send(new ProducerRecord<>(rig.env.get("TRACKER_INPUT_TOPIC"), id, id));
            }
        }
    }
}
