package io.mjtracker.bench;

import io.micrometer.core.instrument.Gauge;
import io.mjtracker.simulator.Faults;
import io.mjtracker.simulator.SimulatorStats;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code bench shared-budget [runs]}: three workers in one group share a limit of {@link #LIMIT}
 * requests/s against a simulator whose 429 bucket refills at that limit, with far more work waiting
 * than the limit lets through. Per run, on one broker and simulator: one worker alone (the same-run
 * baseline: the whole limit, one rate limiter), then three, then one of them stopped. Prints the
 * requests/s that reached the simulator in each phase as a share of the limit, the 429s of the whole
 * run, the most requests in any one-second window, and how long the two left took to take the third's
 * share, measured from the gauges.
 */
final class SharedBudget {

    static final double LIMIT = 30;
    /** One request per worker at once: a gateway bucket any tighter would refuse three well-paced workers that happen to coincide. */
    static final int BURST = 3;
    static final int PARTITIONS = 12;
    /**
     * Polled every 1.25 s: 9,600 task polls/s, more than 30 requests/s carry until batches have grown to
     * 400 ids; after that a poll falls due every fraction of a millisecond, so no permit goes unused either.
     */
    static final int TASKS = 12_000;
    private static final Duration WARM_UP = Duration.ofSeconds(10);
    private static final Duration ALONE = Duration.ofSeconds(20);
    private static final Duration SHARED = Duration.ofSeconds(30);
    private static final Duration AFTER_STOP = Duration.ofSeconds(20);
    private static final String SHARE = "mjtracker.rate.limit.share";

    private SharedBudget() {}

    static void run(int runs) throws Exception {
        System.out.printf("shared budget: group limit %.0f/s, simulator bucket %.0f/s burst %d, %d partitions, %d tasks always due"
                        + " (queued, cadence x0.05); phases: 1 worker, 3 workers, 2 after one stops%n",
                LIMIT, LIMIT, BURST, PARTITIONS, TASKS);
        for (int run = 1; run <= runs; run++) {
            once(run);
        }
    }

    private static void once(int run) throws Exception {
        try (Rig rig = new Rig(Faults.NONE.withRateLimit(LIMIT, BURST, true))) {
            rig.env.put("TRACKER_RATE_LIMIT_PER_SECOND", Double.toString(LIMIT));
            rig.env.put("TRACKER_TOPIC_PARTITIONS", Integer.toString(PARTITIONS));
            rig.env.put("TRACKER_CADENCE_SCALE", "0.05");
            rig.env.put("TRACKER_SHUTDOWN_TIMEOUT", "5s");
            List<Worker> workers = new ArrayList<>();
            try {
                long runStart = System.nanoTime();
                workers.add(Worker.start(WorkerConfigLoader.load(rig.env)));
                List<Gauge> shares = new ArrayList<>(List.of(share(workers.get(0))));
                awaitCondition(() -> shares.get(0).value() == LIMIT, Duration.ofSeconds(60));
                rig.submit(TASKS);
                Rig.sleep(WARM_UP);
                double alone = rate(rig, ALONE);

                long joining = System.nanoTime();
                workers.add(Worker.start(WorkerConfigLoader.load(rig.env)));
                workers.add(Worker.start(WorkerConfigLoader.load(rig.env)));
                shares.add(share(workers.get(1)));
                shares.add(share(workers.get(2)));
                long joined = System.nanoTime();
                awaitCondition(() -> shares.stream().allMatch(g -> g.value() == LIMIT / 3), Duration.ofSeconds(60));
                double splitSeconds = seconds(System.nanoTime() - joined);
                Rig.sleep(WARM_UP);
                double three = rate(rig, SHARED);

                Worker stopped = workers.remove(2);
                Gauge stoppedShare = shares.remove(2);
                long stopCalled = System.nanoTime();
                Thread closing = Thread.ofPlatform().start(stopped::close);
                long[] released = {0};
                awaitCondition(() -> {
                    if (released[0] == 0 && stoppedShare.value() == 0) {
                        released[0] = System.nanoTime();
                    }
                    return shares.stream().allMatch(g -> g.value() == LIMIT / 2);
                }, Duration.ofSeconds(60));
                long taken = System.nanoTime();
                closing.join();
                double closeSeconds = seconds(System.nanoTime() - stopCalled);
                double two = rate(rig, AFTER_STOP);

                SimulatorStats stats = rig.simulator.stats();
                System.out.printf("  run %d: 1 worker %.1f/s = %.1f%% of L; 3 workers %.1f/s = %.1f%% of L (%.1f%% of 1 worker);"
                                + " 2 after the stop %.1f/s = %.1f%% of L%n",
                        run, alone, alone / LIMIT * 100, three, three / LIMIT * 100, three / alone * 100, two, two / LIMIT * 100);
                long end = System.nanoTime();
                System.out.printf("         429s over the whole run (%.0f s): %d (1 worker %d, from the two joining to the stop %d,"
                                + " after it %d); most requests in any 1 s window: %d; shares split 3 ways %.1f s after the two joined%n",
                        seconds(end - runStart), stats.count(429), refused(stats, runStart, joining), refused(stats, joining, stopCalled),
                        refused(stats, stopCalled, end), stats.maxRequestsInAnyWindow(Duration.ofSeconds(1)), splitSeconds);
                System.out.printf("         stop: the stopped worker's share fell to 0 after %.2f s, the other two held %.0f/s each"
                                + " %.2f s after the stop (%.2f s after it let go); its close returned after %.2f s%n",
                        seconds(released[0] - stopCalled), LIMIT / 2, seconds(taken - stopCalled), seconds(taken - released[0]),
                        closeSeconds);
                System.out.printf("         batches: %d of %d requests, %.0f ids each on average%n", stats.batchRequests(),
                        stats.totalRequests(), stats.batchRequests() == 0 ? 0.0 : (double) stats.idsAsked() / stats.batchRequests());
            } finally {
                workers.forEach(Worker::close);
            }
        }
    }

    /** Requests/s that reached the simulator over {@code length} from now, whatever the answer. */
    private static double rate(Rig rig, Duration length) throws InterruptedException {
        long from = System.nanoTime();
        Rig.sleep(length);
        long arrived = rig.simulator.stats().requests().stream()
                .filter(r -> r.arrivalNanos() >= from && r.arrivalNanos() - from < length.toNanos()).count();
        return arrived / (double) length.toSeconds();
    }

    private static long refused(SimulatorStats stats, long fromNanos, long toNanos) {
        return stats.requests().stream()
                .filter(r -> r.status() == 429 && r.arrivalNanos() >= fromNanos && r.arrivalNanos() < toNanos).count();
    }

    private static Gauge share(Worker worker) {
        return worker.registry().get(SHARE).gauge();
    }

    private static void awaitCondition(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not reached within " + timeout);
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
