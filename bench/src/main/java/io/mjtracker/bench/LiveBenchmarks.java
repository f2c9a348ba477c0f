package io.mjtracker.bench;

import io.mjtracker.simulator.Faults;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.SimulatorStats;
import io.mjtracker.simulator.UpstreamSimulator;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The benchmarks that run the real worker against the simulator over a real broker. */
final class LiveBenchmarks {

    private LiveBenchmarks() {}

    private static final Duration THROUGHPUT_WARM_UP = Duration.ofSeconds(8);
    private static final Duration THROUGHPUT_MEASURED = Duration.ofSeconds(15);

    /**
     * Polls per second one worker sustains end to end, over what wrk gets from the same endpoint: both
     * arms warm up for {@link #THROUGHPUT_WARM_UP} and are measured for {@link #THROUGHPUT_MEASURED};
     * {@code runs} fresh rigs, reported one by one and as medians.
     */
    static void throughput(int runs) throws Exception {
        double[] worker = new double[runs];
        double[] wrk = new double[runs];
        double[] ratio = new double[runs];
        for (int run = 0; run < runs; run++) {
            try (Rig rig = new Rig(Faults.NONE)) {
                // Single fetches, as BENCHMARKS.md 1-3 were measured (before batching became the default): one
                // request per poll, so polls/s at the simulator compare with wrk's requests/s.
                rig.env.put("MJ_API_BATCH", "off");
                rig.env.put("TRACKER_RATE_LIMIT_PER_SECOND", "100000");
                rig.env.put("TRACKER_MAX_CONCURRENT_REQUESTS", System.getProperty("bench.concurrency", "64"));
                rig.env.put("TRACKER_CADENCE_SCALE", "0.01");
                rig.start();
                rig.submit(3000);
                Rig.sleep(THROUGHPUT_WARM_UP);
                long requestsBefore = rig.simulator.stats().totalRequests();
                long start = System.nanoTime();
                Rig.sleep(THROUGHPUT_MEASURED);
                double seconds = (System.nanoTime() - start) / 1e9;
                worker[run] = (rig.simulator.stats().totalRequests() - requestsBefore) / seconds;
                rig.worker.close();
                rig.worker = null;
                Rig.sleep(Duration.ofSeconds(2));
                String url = rig.simulator.baseUrl() + "/mj/task/b1/fetch";
                wrk(url, THROUGHPUT_WARM_UP);
                wrk[run] = wrk(url, THROUGHPUT_MEASURED);
                ratio[run] = worker[run] / wrk[run];
                System.out.printf("  throughput run %d: worker %.0f polls/s, wrk %.0f requests/s, ratio %.2f%n",
                        run + 1, worker[run], wrk[run], ratio[run]);
            }
        }
        System.out.printf("throughput, median of %d runs (warm-up %d s, measured %d s, both arms): worker %.0f polls/s,"
                        + " wrk %.0f requests/s on the same endpoint%n",
                runs, THROUGHPUT_WARM_UP.toSeconds(), THROUGHPUT_MEASURED.toSeconds(), median(worker), median(wrk));
        System.out.printf("  ratio worker/wrk: median %.2f, range %.2f..%.2f%n", median(ratio),
                java.util.Arrays.stream(ratio).min().orElseThrow(), java.util.Arrays.stream(ratio).max().orElseThrow());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /**
     * 100,000 tasks in flight that stay queued (the simulator queues each for 60..120 min): heap per task,
     * and poll lateness in steady state. A queued task is polled every 25 s × {@code TRACKER_CADENCE_SCALE}
     * (4): 100 s, so demand is tasks / 100 s = 1,000 polls/s against a limit of 2,500/s. The first round
     * (every task due within a second of intake) takes tasks / limit = 40 s to drain, and the rounds after
     * it stay bunched into waves 100 s apart that the ±10% jitter flattens only slowly, so the polls/s of
     * a one-minute window depend on where it falls in the wave: it is printed beside the lateness.
     * Lateness is measured over the minute that starts one full cadence (110 s) after the first round.
     */
    static void scale(int tasks) throws Exception {
        int limit = 2500;
        double cadenceScale = 4;
        double queuedIntervalSeconds = 25 * cadenceScale;
        try (Rig rig = new Rig(Faults.NONE, true)) {
            // Single fetches, as BENCHMARKS.md 2 was measured: its demand and lateness are per poll.
            rig.env.put("MJ_API_BATCH", "off");
            rig.env.put("TRACKER_MAX_IN_FLIGHT", Integer.toString(tasks));
            rig.env.put("TRACKER_RATE_LIMIT_PER_SECOND", Integer.toString(limit));
            rig.env.put("TRACKER_MAX_CONCURRENT_REQUESTS", "128");
            rig.env.put("TRACKER_CADENCE_SCALE", Double.toString(cadenceScale));
            rig.start();
            Rig.sleep(Duration.ofSeconds(3));
            long heapBefore = usedHeapAfterGc();
            long started = System.nanoTime();
            rig.submit(tasks);
            while (rig.gauge("mjtracker.tasks.inflight") < tasks && System.nanoTime() - started < Duration.ofMinutes(2).toNanos()) {
                Rig.sleep(Duration.ofMillis(500));
            }
            double intakeSeconds = (System.nanoTime() - started) / 1e9;
            long heapAfter = usedHeapAfterGc();
            double inFlight = rig.gauge("mjtracker.tasks.inflight");
            Rig.sleep(Duration.ofSeconds(tasks / limit + (long) (queuedIntervalSeconds * 1.1)));
            // Client-side percentiles of the lateness timer cover the last 30..60 s: measure a full minute.
            double requestsBefore = rig.counter("mjtracker.upstream.requests");
            long steadyStart = System.nanoTime();
            Rig.sleep(Duration.ofSeconds(60));
            double requestsPerSecond = (rig.counter("mjtracker.upstream.requests") - requestsBefore) / ((System.nanoTime() - steadyStart) / 1e9);
            double p99 = latenessP99(rig);
            long heapPolled = usedHeapAfterGc();
            System.out.printf("scale: %.0f tasks in flight after %.1f s of intake; heap %d MB -> %d MB: %.0f bytes per in-flight task%n",
                    inFlight, intakeSeconds, heapBefore >> 20, heapAfter >> 20, (heapAfter - heapBefore) / inFlight);
            System.out.printf("  after every task was polled (each holds its last fetched task JSON): heap %d MB: %.0f bytes per in-flight task%n",
                    heapPolled >> 20, (heapPolled - heapBefore) / inFlight);
            System.out.printf("  workload: %d queued tasks, one poll each every %.0f s: demand %.0f polls/s, limit %d/s%n",
                    tasks, queuedIntervalSeconds, tasks / queuedIntervalSeconds, limit);
            System.out.printf("  window %.0f..%.0f s after intake: %.0f polls/s (one request each); poll lateness p99 %.0f ms (client-side, its last 30..60 s)%n",
                    (steadyStart - started) / 1e9, (System.nanoTime() - started) / 1e9, requestsPerSecond, p99);
        }
    }

    private static double latenessP99(Rig rig) {
        for (var value : rig.worker.registry().find("mjtracker.poll.lateness").timer().takeSnapshot().percentileValues()) {
            if (value.percentile() == 0.99) {
                return value.value(TimeUnit.MILLISECONDS);
            }
        }
        return Double.NaN;
    }

    /**
     * With the worker's limit at the simulator's 429 threshold: how many requests a second are answered
     * 200, beside a baseline measured in the same run (a plain client sending one request every
     * {@code 1/limit} s, on a fixed schedule, to a fresh simulator with the same bucket), and the 429s
     * of the whole run, warm-up included.
     */
    static void rateLimitUse() throws Exception {
        double limit = 50;
        Duration warmUp = Duration.ofSeconds(5);
        Duration measured = Duration.ofSeconds(20);
        Faults faults = Boolean.getBoolean("bench.no429") ? Faults.NONE : Faults.NONE.withRateLimit(limit, 2, true);
        double baseline = pacedClient(faults, limit, warmUp, measured);
        try (Rig rig = new Rig(faults)) {
            // Single fetches, as BENCHMARKS.md 3 was measured: the baseline client sends one request per poll too.
            rig.env.put("MJ_API_BATCH", "off");
            rig.env.put("TRACKER_RATE_LIMIT_PER_SECOND", Double.toString(limit));
            rig.env.put("TRACKER_CADENCE_SCALE", "0.05");
            rig.start();
            long runStart = System.nanoTime();
            rig.submit(2000);
            Rig.sleep(warmUp.plus(measured));
            var stats = rig.simulator.stats();
            long windowStart = runStart + warmUp.toNanos();
            double served = okIn(stats.requests(), windowStart, measured) / (double) measured.toSeconds();
            System.out.printf("  burstiness: most requests within 25 ms %d, 50 ms %d, 100 ms %d%n",
                    stats.maxRequestsInAnyWindow(Duration.ofMillis(25)), stats.maxRequestsInAnyWindow(Duration.ofMillis(50)),
                    stats.maxRequestsInAnyWindow(Duration.ofMillis(100)));
            writeArrivals(stats.requests(), rig.simulator.baseUrl().getPort());
            System.out.printf("rate-limit use: limit %.0f/s (simulator 429 above it); baseline (paced client) %.1f/s answered 200;"
                            + " worker %.1f/s answered 200 = %.1f%% of the limit, %.1f%% of the baseline;"
                            + " 429s over the whole run (%d s, warm-up included): worker %d; peak 1 s window %d%n",
                    limit, baseline, served, served / limit * 100, served / baseline * 100,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - runStart), stats.count(429),
                    stats.maxRequestsInAnyWindow(Duration.ofSeconds(1)));
        }
    }

    /** 200s a second that a client sending on a fixed {@code 1/rate} schedule gets over {@code measured}, after {@code warmUp}. */
    private static double pacedClient(Faults faults, double rate, Duration warmUp, Duration measured) throws Exception {
        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(true)
                        .withMix(Rig.ENDLESS).withFaults(faults));
                HttpClient http = HttpClient.newHttpClient()) {
            long period = (long) (1e9 / rate);
            long start = System.nanoTime();
            long end = start + warmUp.plus(measured).toNanos();
            for (long next = start; next < end; next += period) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                http.sendAsync(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/mj/task/p" + (next % 1000) + "/fetch")).build(),
                        HttpResponse.BodyHandlers.discarding());
            }
            Rig.sleep(Duration.ofMillis(500));
            long baseline429 = simulator.stats().count(429);
            System.out.printf("  baseline: paced client, 429s over the whole run: %d%n", baseline429);
            return okIn(simulator.stats().requests(), start + warmUp.toNanos(), measured) / (double) measured.toSeconds();
        }
    }

    /**
     * Writes the worker arm's arrivals at the simulator ({@code bench-out/ratelimit-arrivals.csv}: nanoseconds since the
     * first, status), so that they can be set beside the same requests' times on the wire (bench/wire-pacing.py with a
     * capture of the simulator's port, which also replays the simulator's bucket on both).
     */
    private static void writeArrivals(List<SimulatorStats.Request> requests, int port) throws IOException {
        java.nio.file.Path file = java.nio.file.Path.of("bench-out", "ratelimit-arrivals.csv");
        java.nio.file.Files.createDirectories(file.getParent());
        long first = requests.isEmpty() ? 0 : requests.getFirst().arrivalNanos();
        StringBuilder csv = new StringBuilder("nanos,status\n");
        requests.forEach(request -> csv.append(request.arrivalNanos() - first).append(',').append(request.status()).append('\n'));
        java.nio.file.Files.writeString(file, csv);
        System.out.printf("  arrivals: %d at the simulator (port %d) in %s%n", requests.size(), port, file);
    }


    private static long okIn(List<SimulatorStats.Request> requests, long fromNanos, Duration length) {
        return requests.stream().filter(r -> r.status() == 200 && r.arrivalNanos() >= fromNanos
                && r.arrivalNanos() - fromNanos < length.toNanos()).count();
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static double wrk(String url, Duration duration) throws IOException, InterruptedException {
        Process wrk = new ProcessBuilder("wrk", "-t2", "-c64", "-d" + duration.toSeconds() + "s", url).redirectErrorStream(true).start();
        String output = new String(wrk.getInputStream().readAllBytes());
        wrk.waitFor();
        Matcher matcher = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(output);
        if (!matcher.find()) {
            throw new IllegalStateException("wrk gave no figure (is it installed? apt-get install wrk):\n" + output);
        }
        return Double.parseDouble(matcher.group(1));
    }
}
