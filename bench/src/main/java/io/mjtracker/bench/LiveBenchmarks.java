package io.mjtracker.bench;

import io.mjtracker.simulator.Faults;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The benchmarks that run the real worker against the simulator over a real broker. */
final class LiveBenchmarks {

    private LiveBenchmarks() {}

    /** Polls per second one worker sustains end to end, over what wrk gets from the same endpoint. */
    static void throughput() throws Exception {
        try (Rig rig = new Rig(Faults.NONE)) {
            rig.env.put("TRACKER_RATE_LIMIT_PER_SECOND", "100000");
            rig.env.put("TRACKER_MAX_CONCURRENT_REQUESTS", System.getProperty("bench.concurrency", "64"));
            rig.env.put("TRACKER_CADENCE_SCALE", "0.01");
            rig.start();
            rig.submit(3000);
            Rig.sleep(Duration.ofSeconds(8));
            long requestsBefore = rig.simulator.stats().totalRequests();
            double updatesBefore = rig.counter("mjtracker.status.updates.published");
            long start = System.nanoTime();
            Rig.sleep(Duration.ofSeconds(15));
            double seconds = (System.nanoTime() - start) / 1e9;
            double polls = (rig.simulator.stats().totalRequests() - requestsBefore) / seconds;
            double updates = (rig.counter("mjtracker.status.updates.published") - updatesBefore) / seconds;
            rig.worker.close();
            rig.worker = null;
            Rig.sleep(Duration.ofSeconds(2));
            double wrk = wrk(rig.simulator.baseUrl() + "/mj/task/b1/fetch");
            System.out.printf("throughput: worker %.0f polls/s (%.0f status updates/s published), wrk %.0f requests/s on the same endpoint%n",
                    polls, updates, wrk);
            System.out.printf("  ratio worker/wrk: %.2f%n", polls / wrk);
        }
    }

    /** 100,000 tasks in flight: heap per task and poll lateness. */
    static void scale(int tasks) throws Exception {
        try (Rig rig = new Rig(Faults.NONE, true)) {
            rig.env.put("TRACKER_MAX_IN_FLIGHT", Integer.toString(tasks));
            rig.env.put("TRACKER_RATE_LIMIT_PER_SECOND", "2500");
            rig.env.put("TRACKER_MAX_CONCURRENT_REQUESTS", "128");
            rig.env.put("TRACKER_CADENCE_SCALE", "4");
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
            // The first round of polls (every task due within a second of intake) takes tasks/rate seconds
            // to drain; lateness is measured over the minute after it, in steady state.
            Rig.sleep(Duration.ofSeconds(tasks / 2500 + 10));
            double pollsBefore = rig.counter("mjtracker.polls");
            long steadyStart = System.nanoTime();
            Rig.sleep(Duration.ofSeconds(70));
            long heapPolled = usedHeapAfterGc();
            var lateness = rig.worker.registry().find("mjtracker.poll.lateness").timer().takeSnapshot();
            double p99 = Double.NaN;
            for (var value : lateness.percentileValues()) {
                if (value.percentile() == 0.99) {
                    p99 = value.value(java.util.concurrent.TimeUnit.MILLISECONDS);
                }
            }
            System.out.printf("scale: %.0f tasks in flight after %.1f s of intake; heap %d MB -> %d MB: %.0f bytes per in-flight task%n",
                    inFlight, intakeSeconds, heapBefore >> 20, heapAfter >> 20, (heapAfter - heapBefore) / inFlight);
            System.out.printf("  after every task was polled (each holds its last fetched task JSON): heap %d MB: %.0f bytes per in-flight task%n",
                    heapPolled >> 20, (heapPolled - heapBefore) / inFlight);
            System.out.printf("  poll lateness p99 over the last minute (steady state): %.0f ms; %.0f polls/s (demand: %d tasks every ~100 s)%n",
                    p99, (rig.counter("mjtracker.polls") - pollsBefore) / ((System.nanoTime() - steadyStart) / 1e9), tasks);
        }
    }

    /** With the worker's limit at the simulator's 429 threshold: how much of it is used, and 429s. */
    static void rateLimitUse() throws Exception {
        double limit = 50;
        try (Rig rig = new Rig(Boolean.getBoolean("bench.no429") ? Faults.NONE : Faults.NONE.withRateLimit(limit, 2, true))) {
            rig.env.put("TRACKER_RATE_LIMIT_PER_SECOND", Double.toString(limit));
            rig.env.put("TRACKER_CADENCE_SCALE", "0.05");
            rig.start();
            rig.submit(2000);
            Rig.sleep(Duration.ofSeconds(5));
            rig.simulator.stats().reset();
            long start = System.nanoTime();
            Rig.sleep(Duration.ofSeconds(20));
            double seconds = (System.nanoTime() - start) / 1e9;
            var stats = rig.simulator.stats();
            double served = stats.count(200) / seconds;
            System.out.printf("  burstiness: most requests within 25 ms %d, 50 ms %d, 100 ms %d%n",
                    stats.maxRequestsInAnyWindow(Duration.ofMillis(25)), stats.maxRequestsInAnyWindow(Duration.ofMillis(50)),
                    stats.maxRequestsInAnyWindow(Duration.ofMillis(100)));
            System.out.printf("rate-limit use: limit %.0f/s (simulator 429 above it), %.1f requests/s answered 200 = %.1f%% of the limit; 429s: %d; peak 1 s window %d%n",
                    limit, served, served / limit * 100, stats.count(429), stats.maxRequestsInAnyWindow(Duration.ofSeconds(1)));
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static double wrk(String url) throws IOException, InterruptedException {
        Process wrk = new ProcessBuilder("wrk", "-t2", "-c64", "-d10s", url).redirectErrorStream(true).start();
        String output = new String(wrk.getInputStream().readAllBytes());
        wrk.waitFor();
        Matcher matcher = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(output);
        if (!matcher.find()) {
            throw new IllegalStateException("wrk gave no figure (is it installed? apt-get install wrk):\n" + output);
        }
        return Double.parseDouble(matcher.group(1));
    }
}
