package io.mjtracker.simulator;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * The tasks an auto-created or submitted id gets: queue and run durations drawn uniformly from ranges,
 * and an end status by weight. Drawn from the id's hash, so the same id always gets the same script.
 */
public record TaskMix(
        Duration queueMin, Duration queueMax, Duration runMin, Duration runMax,
        double failureShare, double modalShare, double cancelShare, Dialect dialect) {

    /** The realistic mix of the polling-efficiency benchmark: queue 0–60 s, run 20–90 s, mostly successes. */
    public static final TaskMix REALISTIC = new TaskMix(Duration.ZERO, Duration.ofSeconds(60),
            Duration.ofSeconds(20), Duration.ofSeconds(90), 0.08, 0.02, 0.02, Dialect.COMET);

    /** Short tasks for demos and tests: queue 0–3 s, run 3–10 s. */
    public static final TaskMix QUICK = new TaskMix(Duration.ZERO, Duration.ofSeconds(3),
            Duration.ofSeconds(3), Duration.ofSeconds(10), 0.1, 0.05, 0.05, Dialect.COMET);

    public TaskScript scriptFor(String id) {
        SplittableRandom random = new SplittableRandom(id.hashCode() * 0x9E3779B97F4A7C15L);
        Duration queue = between(random, queueMin, queueMax);
        Duration run = between(random, runMin, runMax);
        double roll = random.nextDouble();
        TaskScript script = TaskScript.succeedsAfter(queue, run).withDialect(dialect);
        if (roll < failureShare) {
            return script.withEnd("FAILURE", "Banned prompt detected");
        }
        if (roll < failureShare + modalShare) {
            return script.withEnd("MODAL", null);
        }
        if (roll < failureShare + modalShare + cancelShare) {
            return script.withEnd("CANCEL", null);
        }
        return script;
    }

    private static Duration between(SplittableRandom random, Duration min, Duration max) {
        long span = max.toMillis() - min.toMillis();
        return span <= 0 ? min : min.plusMillis(random.nextLong(span + 1));
    }
}
