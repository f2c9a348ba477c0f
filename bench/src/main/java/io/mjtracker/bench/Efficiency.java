package io.mjtracker.bench;

import io.mjtracker.simulator.TaskMix;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.TaskState;
import io.mjtracker.worker.tracking.PollCadence;
import java.util.SplittableRandom;

/**
 * Polling efficiency in virtual time: the worker's {@link PollCadence} against the providers'
 * documented loop (a poll every 20 s), on the same realistic mix of tasks (queue 0-60 s, run 20-90 s,
 * lifecycles from the simulator). Deterministic and instant: no broker, no HTTP.
 */
final class Efficiency {

    private static final long EPOCH = 1_700_000_000_000L;
    private static final long PROVIDER_LOOP_MS = 20_000;

    record Figures(double requestsPerTask, long lagP50, long lagP95) {}

    static void run(int tasks) {
        Figures baseline = simulate(tasks, true);
        Figures tracker = simulate(tasks, false);
        System.out.printf("polling efficiency, %d tasks (queue 0-60 s, run 20-90 s):%n", tasks);
        System.out.printf("  %-22s requests/task %5.2f   detection lag p50 %6d ms   p95 %6d ms%n",
                "provider loop (20 s)", baseline.requestsPerTask(), baseline.lagP50(), baseline.lagP95());
        System.out.printf("  %-22s requests/task %5.2f   detection lag p50 %6d ms   p95 %6d ms%n",
                "mj-tracker cadence", tracker.requestsPerTask(), tracker.lagP50(), tracker.lagP95());
        System.out.printf("  ratio (mj-tracker / loop): requests %.2f, lag p50 %.2f, lag p95 %.2f%n",
                tracker.requestsPerTask() / baseline.requestsPerTask(),
                (double) tracker.lagP50() / baseline.lagP50(), (double) tracker.lagP95() / baseline.lagP95());
    }

    static Figures simulate(int tasks, boolean providerLoop) {
        PollCadence cadence = new PollCadence(new SplittableRandom(7));
        long requests = 0;
        long[] lags = new long[tasks];
        for (int i = 0; i < tasks; i++) {
            TaskScript script = TaskMix.REALISTIC.scriptFor("task-" + i);
            long end = EPOCH + script.lifetime().toMillis();
            long now = EPOCH + (providerLoop ? 0 : cadence.firstPollDelay());
            int lastPercent = -1;
            long lastPercentAt = -1;
            while (true) {
                requests++;
                TaskState state = TaskState.at(script, EPOCH, now);
                if (now >= end) {
                    lags[i] = now - end;
                    break;
                }
                if (providerLoop) {
                    now += PROVIDER_LOOP_MS;
                    continue;
                }
                boolean queued = state.status().isEmpty() || state.status().equals("NOT_START") || state.status().equals("SUBMITTED");
                int percent = state.progress();
                long delay = cadence.afterUnfinished(queued, percent, state.startTime() > 0 ? state.startTime() : null, now,
                        lastPercent, lastPercentAt);
                if (percent != lastPercent) {
                    lastPercent = percent;
                    lastPercentAt = now;
                }
                now += delay;
            }
        }
        Percentiles lag = new Percentiles(lags);
        return new Figures((double) requests / tasks, lag.at(50), lag.at(95));
    }

    private Efficiency() {}
}
