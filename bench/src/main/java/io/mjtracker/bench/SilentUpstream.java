package io.mjtracker.bench;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.Faults;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.testkit.TcpConnections;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An upstream that accepts connections and answers nothing, for minutes, while one worker tracks thousands
 * of tasks (its in-flight cap that many): what the worker holds against it (its connections, as the kernel
 * lists them), whether it stays live, and, once the upstream answers again, how long until every task has
 * its one result, and that none ended TIMED_OUT for the time the upstream was silent.
 */
final class SilentUpstream {

    private static final int CONCURRENCY = 64;

    private SilentUpstream() {}

    static boolean run(int taskCount, Duration silence) throws Exception {
        try (Rig rig = new Rig(SimulatorConfig.defaults().withAutoCreate(false))) {
            // Tasks that finish 3 s after they are first asked: all done upstream long before the silence ends.
            for (int i = 0; i < taskCount; i++) {
                rig.simulator.createTask("b" + i, TaskScript.succeedsAfter(Duration.ZERO, Duration.ofSeconds(3)));
            }
            rig.env.put("TRACKER_MAX_IN_FLIGHT", Integer.toString(taskCount));
            rig.env.put("TRACKER_RATE_LIMIT_PER_SECOND", "1000");
            rig.env.put("MJ_API_BATCH", "off");
            rig.env.put("MJ_API_REQUEST_TIMEOUT", "5s");
            rig.env.put("TRACKER_MAX_CONCURRENT_REQUESTS", Integer.toString(CONCURRENCY));
            rig.env.put("METRICS_PORT", "0");
            rig.start();
            long start = System.nanoTime();
            rig.submit(taskCount);
            // Silent from the first polls on, with every task taken in and none answered yet.
            while (rig.gauge("mjtracker.tasks.inflight") < taskCount && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60)) {
                Rig.sleep(Duration.ofMillis(100));
            }
            rig.simulator.faults(Faults.NONE.withHostile(Faults.Hostile.SILENT));
            System.out.printf("  %d tasks in flight; the upstream answers nothing for %d s%n", (long) rig.gauge("mjtracker.tasks.inflight"),
                    silence.toSeconds());
            int port = rig.simulator.baseUrl().getPort();
            int mostConnections = 0;
            long silenceEnds = System.nanoTime() + silence.toNanos();
            long nextReport = System.nanoTime();
            while (System.nanoTime() < silenceEnds) {
                int connections = TcpConnections.establishedTo(port);
                mostConnections = Math.max(mostConnections, connections);
                if (System.nanoTime() >= nextReport) {
                    nextReport += TimeUnit.SECONDS.toNanos(30);
                    System.out.printf("  %3ds silent: %d connections to the upstream, circuit open %s, %d requests unanswered by it so far%n",
                            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - (silenceEnds - silence.toNanos())), connections,
                            rig.gauge("mjtracker.upstream.circuits.open") == 1 ? "yes" : "no",
                            rig.simulator.stats().faultsServed(Faults.Hostile.SILENT.name()));
                }
                Rig.sleep(Duration.ofMillis(200));
            }
            rig.simulator.faults(Faults.NONE);
            long answeringAgain = System.nanoTime();
            Map<String, Integer> perTask = new HashMap<>();
            int timedOut = 0;
            RecordCodec codec = new RecordCodec();
            try (var reader = Rig.resultsReader(rig.broker, rig.env)) {
                long deadline = answeringAgain + TimeUnit.MINUTES.toNanos(5);
                long lastNew = System.nanoTime();
                while (System.nanoTime() < deadline && (perTask.size() < taskCount || System.nanoTime() - lastNew < TimeUnit.SECONDS.toNanos(10))) {
                    for (var record : reader.poll(Duration.ofMillis(500))) {
                        FinalResult result = codec.readFinalResult(record.value());
                        if (perTask.merge(result.taskId(), 1, Integer::sum) == 1 && perTask.size() == taskCount) {
                            System.out.printf("  every task answered %.1f s after the upstream answered again%n",
                                    (System.nanoTime() - answeringAgain) / 1e9);
                        }
                        lastNew = System.nanoTime();
                        timedOut += result.outcome() == Outcome.TIMED_OUT ? 1 : 0;
                    }
                }
            }
            long duplicates = perTask.values().stream().filter(count -> count > 1).mapToLong(count -> count - 1).sum();
            long lost = taskCount - perTask.size();
            boolean live = liveness(rig) == 200;
            System.out.printf("silent-upstream: %d tasks, %d s of silence: at most %d connections to it at once (concurrency cap %d);"
                            + " results %d, duplicates %d, lost %d, TIMED_OUT %d; worker live %s%n", taskCount, silence.toSeconds(),
                    mostConnections, CONCURRENCY, perTask.size(), duplicates, lost, timedOut, live);
            return duplicates == 0 && lost == 0 && timedOut == 0 && mostConnections <= CONCURRENCY && live;
        }
    }

    /** What {@code /health/live} answers. */
    private static int liveness(Rig rig) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rig.worker.metricsPort() + "/health/live")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }
}
