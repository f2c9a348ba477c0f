package io.mjtracker.bench;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.Dialect;
import io.mjtracker.simulator.Faults;
import io.mjtracker.simulator.HookFaults;
import io.mjtracker.simulator.NotFoundStyle;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.EmbeddedKafkaBroker;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Hooks against polling alone ({@code bench hooks [n] [arrivalsPerSecond]}): one worker, one self-hosted
 * proxy without a sync tick or batch route at 10 requests/s, tasks arriving at a steady rate (queued
 * 5-15 s, running 20-40 s), each with its {@code notifyHook} on the worker. The same load runs with hooks
 * off (the baseline), on, 30% lost, delayed 0-5 s (reordered) with 10% duplicates, stopped half-way, on
 * with forged hooks at 1,000/s (valid token, for tracked and untracked ids), and on with three workers
 * behind the first one's hook address, the third stopped half-way (its partitions move). Per run: results (and
 * duplicates), detection lag, task polls per task, the busiest second of requests, the receiver's slowest
 * answer.
 */
final class HookBench {

    private static final double LIMIT = 10;
    private static final String TOKEN = "bench-hook-token-0123456789";

    private enum Run { OFF, ON, LOSS_30, DELAYED_REORDERED, STOPPED_HALFWAY, FORGED, THREE_WORKERS }

    private HookBench() {}

    /** @param only the runs to make (names as printed, e.g. {@code off,on}); empty: all of them */
    static boolean run(int tasks, double perSecond, java.util.Set<String> only) throws Exception {
        System.out.printf("hooks: %d tasks arriving at %.1f/s (queued 5-15 s, running 20-40 s, SUCCESS), one worker, one self-hosted "
                + "proxy (no sync tick, no batch route) at %.0f requests/s; each task's notifyHook on the worker; safety gap 60 s%n",
                tasks, perSecond, LIMIT);
        System.out.println("  run                   results dup  lag p50  lag p95  lag max  polls/task  2nd half  max req/s  hook answer max  "
                + "hints sooner/due/skipped  trusted at end");
        boolean held = true;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            for (Run run : Run.values()) {
                if (only.isEmpty() || only.contains(run.name().toLowerCase(java.util.Locale.ROOT))) {
                    held &= once(broker, run, tasks, perSecond);
                }
            }
        }
        return held;
    }

    private static boolean once(EmbeddedKafkaBroker broker, Run run, int tasks, double perSecond) throws Exception {
        try (UpstreamSimulator proxy = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false).withBatch(false, 0)
                .withApiKey("self-secret", "mj-api-secret").withFaults(Faults.NONE.withRateLimit(LIMIT * 1.05, 2, true)))) {
            proxy.hookFaults(switch (run) {
                case OFF -> HookFaults.NONE.withEnabled(false);
                case LOSS_30 -> HookFaults.NONE.withLoss(0.3);
                case DELAYED_REORDERED -> HookFaults.NONE.withDelay(Duration.ofSeconds(5)).withDuplicates(0.1);
                default -> HookFaults.NONE;
            });
            Map<String, String> env = Rig.kafkaEnv(broker, "hooks");
            env.put("MJ_API_BASE_URL", proxy.baseUrl().toString());
            env.put("MJ_API_KEY", "self-secret");
            env.put("MJ_API_AUTH_HEADER", "mj-api-secret");
            env.put("MJ_API_BATCH", "off");
            env.put("TRACKER_RATE_LIMIT_PER_SECOND", Double.toString(LIMIT));
            env.put("MJ_API_HOOK_TOKEN", TOKEN);
            env.put("HOOK_PORT", "0");
            env.put("TRACKER_HINTS_TOPIC", env.get("TRACKER_INPUT_TOPIC") + ".hints");
            List<Worker> workers = new ArrayList<>();
            try {
                for (int started = 0; started < (run == Run.THREE_WORKERS ? 3 : 1); started++) {
                    // Dynamic membership: the stopped worker leaves the group at once and its partitions move (a static
                    // member's would wait out the session timeout, 45 s, for it to come back).
                    workers.add(Worker.start(WorkerConfigLoader.load(env)));
                }
                Worker worker = workers.getFirst();
                Runnable atHalf = run == Run.THREE_WORKERS ? workers.getLast()::close : () -> { };
                URI hook = URI.create("http://127.0.0.1:" + worker.hookPort() + "/hooks/default/" + TOKEN);
                Map<String, Boolean> created = new ConcurrentHashMap<>();
                List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
                Thread forger = run == Run.FORGED ? Thread.ofPlatform().daemon().start(() -> forge(hook, created)) : null;
                Map<String, Integer> results = new HashMap<>();
                List<Long> lags = new ArrayList<>();
                int[] wrong = new int[1];
                Thread feeder = Thread.ofPlatform().start(() -> feed(proxy, hook, env.get("TRACKER_INPUT_TOPIC"), broker, tasks, perSecond,
                        run == Run.STOPPED_HALFWAY, atHalf, created, order));
                long deadline = System.nanoTime() + Duration.ofSeconds((long) (tasks / perSecond) + 240).toNanos();
                RecordCodec codec = new RecordCodec();
                try (var consumer = Rig.resultsReader(broker, env)) {
                    while (results.size() < tasks && System.nanoTime() < deadline) {
                        for (var record : consumer.poll(Duration.ofMillis(500))) {
                            FinalResult result = codec.readFinalResult(record.value());
                            if (results.merge(result.taskId(), 1, Integer::sum) > 1) {
                                continue;
                            }
                            Long finished = result.tracking().finishedUpstreamAt();
                            // A forged hook must not make a result the upstream did not show: ended as scripted, and seen
                            // ended upstream (its finishTime, from the poll) before the worker said so.
                            if (result.outcome() != Outcome.SUCCEEDED || finished == null || result.tracking().detectedAt() < finished) {
                                wrong[0]++;
                            }
                            if (finished != null) {
                                lags.add(result.tracking().detectedAt() - finished);
                            }
                        }
                    }
                }
                feeder.join();
                if (forger != null) {
                    forger.interrupt();
                }
                long duplicates = results.values().stream().filter(count -> count > 1).count();
                Percentiles lag = new Percentiles(lags.stream().mapToLong(Long::longValue).toArray());
                var timer = worker.registry().find("mjtracker.hook.request.duration").timer();
                // Polls of the tasks that arrived in the second half: the steady state, past the first 20 ends that trust needs.
                List<String> secondHalf = order.subList(order.size() / 2, order.size());
                double steady = secondHalf.stream().mapToLong(id -> proxy.stats().fetchCount(id)).sum() / (double) secondHalf.size();
                System.out.printf("  %-20s %7d %3d %7.1f s %6.1f s %6.1f s  %10.2f  %8.2f  %9d  %12.0f ms  %8.0f/%.0f/%.0f  %14s%s%n",
                        run.name().toLowerCase(java.util.Locale.ROOT),
                        results.size(), duplicates, lag.at(50) / 1e3, lag.at(95) / 1e3, lag.at(100) / 1e3,
                        (double) proxy.stats().totalRequests() / tasks, steady, proxy.stats().maxRequestsInAnyWindow(Duration.ofSeconds(1)),
                        timer == null ? 0 : timer.max(java.util.concurrent.TimeUnit.MILLISECONDS),
                        hints(workers, "sooner"), hints(workers, "due"), hints(workers, "skipped"),
                        worker.registry().get("mjtracker.hooks.trusted").gauge().value() > 0 ? "yes" : "no",
                        wrong[0] == 0 ? "" : "  " + wrong[0] + " results the upstream did not show");
                return results.size() == tasks && duplicates == 0 && wrong[0] == 0;
            } finally {
                workers.forEach(Worker::close);
            }
        }
    }

    /** The hints of every worker (a closed one's counters stay readable). */
    private static double hints(List<Worker> workers, String result) {
        return workers.stream().mapToDouble(worker -> worker.registry().get("mjtracker.hints").tags("result", result).counter().count()).sum();
    }

    /** Creates the tasks upstream and produces their ids at a steady rate; hooks stop half-way where asked. */
    private static void feed(UpstreamSimulator proxy, URI hook, String topic, EmbeddedKafkaBroker broker, int tasks, double perSecond,
            boolean stopHalfway, Runnable atHalf, Map<String, Boolean> created, List<String> order) {
        SplittableRandom random = new SplittableRandom(7);
        long started = System.nanoTime();
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < tasks; i++) {
                long due = started + (long) (i / perSecond * 1e9);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                if (i == tasks / 2) {
                    if (stopHalfway) {
                        proxy.hookFaults(HookFaults.NONE.withEnabled(false));
                    }
                    atHalf.run();
                }
                Duration queue = Duration.ofMillis(5_000 + random.nextLong(10_001));
                Duration run = Duration.ofMillis(20_000 + random.nextLong(20_001));
                TaskScript script = new TaskScript(Duration.ZERO, NotFoundStyle.HTTP_404, Duration.ZERO, queue, run, "SUCCESS", null,
                        Dialect.APIDOC);
                String id = proxy.createTask(script, hook);
                created.put(id, Boolean.TRUE);
                order.add(id);
                producer.send(new ProducerRecord<>(topic, id, id));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** 1,000 hooks a second with the valid token: "SUCCESS" for tasks being tracked (half), and for ids nobody tracks. */
    private static void forge(URI hook, Map<String, Boolean> tracked) {
        SplittableRandom random = new SplittableRandom(11);
        AtomicLong sent = new AtomicLong();
        try (HttpClient http = HttpClient.newHttpClient()) {
            long started = System.nanoTime();
            while (!Thread.currentThread().isInterrupted()) {
                long due = started + sent.get() * 1_000_000L;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                List<String> ids = List.copyOf(tracked.keySet());
                String id = random.nextBoolean() && !ids.isEmpty() ? ids.get(random.nextInt(ids.size())) : "forged-" + random.nextLong(1_000_000);
                String body = "{\"id\":\"" + id + "\",\"status\":\"SUCCESS\",\"progress\":\"100%\",\"imageUrl\":\"https://evil.example/x.png\"}";
                http.sendAsync(HttpRequest.newBuilder(hook).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.discarding());
                sent.incrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
