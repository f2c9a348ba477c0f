package io.mjtracker.simulator;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How a simulator starts.
 *
 * @param port 0 for a free port
 * @param apiKey the key requests must carry, or null to accept any request
 * @param authHeader {@code Authorization} (expects {@code Bearer <key>}) or another header carrying the raw key
 * @param autoCreate whether a fetch of an unknown id creates the task (scripted by {@code mix}) instead of a 404
 * @param seed for the fault dice and the order of batch answers, so that runs repeat
 * @param clock the time tasks live by; also the time of the sync tick
 * @param batchRoute whether {@code POST /mj/task/list-by-condition} (and {@code list-by-ids}) is served; when
 *     false it answers 404 with an HTML page, as a gateway without the route does. Default true
 * @param batchCap most tasks one batch answers, the rest of the known ids silently left out as a proxy that
 *     pages would; 0 (the default) for no cap
 * @param refresh the sync tick of a gateway that refreshes its copy of each task periodically: a task's
 *     visible state (single fetch and batch alike) is its state at the last multiple of this period since
 *     the simulator started. {@link Duration#ZERO} (the default) shows every change at once
 */
public record SimulatorConfig(
        int port, String apiKey, String authHeader, boolean autoCreate, TaskMix mix, Faults faults, long seed, Clock clock,
        boolean batchRoute, int batchCap, Duration refresh) {

    public SimulatorConfig {
        if (batchCap < 0) {
            throw new IllegalArgumentException("batch cap must be 0 (no cap) or more, not " + batchCap);
        }
        if (Objects.requireNonNull(refresh, "refresh").isNegative()) {
            throw new IllegalArgumentException("refresh must be 0 (none) or more, not " + refresh);
        }
    }

    /** A free port, no key, auto-create with the quick mix, no faults, the batch route without a cap, no sync tick. */
    public static SimulatorConfig defaults() {
        return new SimulatorConfig(0, null, "Authorization", true, TaskMix.QUICK, Faults.NONE, 42, Clock.systemUTC(),
                true, 0, Duration.ZERO);
    }

    public SimulatorConfig withApiKey(String key, String header) {
        return new SimulatorConfig(port, key, header, autoCreate, mix, faults, seed, clock, batchRoute, batchCap, refresh);
    }

    public SimulatorConfig withAutoCreate(boolean value) {
        return new SimulatorConfig(port, apiKey, authHeader, value, mix, faults, seed, clock, batchRoute, batchCap, refresh);
    }

    public SimulatorConfig withMix(TaskMix value) {
        return new SimulatorConfig(port, apiKey, authHeader, autoCreate, value, faults, seed, clock, batchRoute, batchCap, refresh);
    }

    public SimulatorConfig withFaults(Faults value) {
        return new SimulatorConfig(port, apiKey, authHeader, autoCreate, mix, value, seed, clock, batchRoute, batchCap, refresh);
    }

    public SimulatorConfig withPort(int value) {
        return new SimulatorConfig(value, apiKey, authHeader, autoCreate, mix, faults, seed, clock, batchRoute, batchCap, refresh);
    }

    public SimulatorConfig withClock(Clock value) {
        return new SimulatorConfig(port, apiKey, authHeader, autoCreate, mix, faults, seed, value, batchRoute, batchCap, refresh);
    }

    /** Serves the batch route or refuses it (404), answering at most {@code cap} tasks per batch (0: all). */
    public SimulatorConfig withBatch(boolean route, int cap) {
        return new SimulatorConfig(port, apiKey, authHeader, autoCreate, mix, faults, seed, clock, route, cap, refresh);
    }

    /** Shows task changes only on this sync tick ({@link Duration#ZERO}: at once). */
    public SimulatorConfig withRefresh(Duration period) {
        return new SimulatorConfig(port, apiKey, authHeader, autoCreate, mix, faults, seed, clock, batchRoute, batchCap, period);
    }
}
