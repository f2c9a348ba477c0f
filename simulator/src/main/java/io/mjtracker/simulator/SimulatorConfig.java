package io.mjtracker.simulator;

import java.time.Clock;

/**
 * How a simulator starts.
 *
 * @param port 0 for a free port
 * @param apiKey the key requests must carry, or null to accept any request
 * @param authHeader {@code Authorization} (expects {@code Bearer <key>}) or another header carrying the raw key
 * @param autoCreate whether a fetch of an unknown id creates the task (scripted by {@code mix}) instead of a 404
 * @param seed for the fault dice, so that runs repeat
 */
public record SimulatorConfig(
        int port, String apiKey, String authHeader, boolean autoCreate, TaskMix mix, Faults faults, long seed, Clock clock) {

    /** A free port, no key, auto-create with the quick mix, no faults. */
    public static SimulatorConfig defaults() {
        return new SimulatorConfig(0, null, "Authorization", true, TaskMix.QUICK, Faults.NONE, 42, Clock.systemUTC());
    }

    public SimulatorConfig withApiKey(String key, String header) {
        return new SimulatorConfig(port, key, header, autoCreate, mix, faults, seed, clock);
    }

    public SimulatorConfig withAutoCreate(boolean value) {
        return new SimulatorConfig(port, apiKey, authHeader, value, mix, faults, seed, clock);
    }

    public SimulatorConfig withMix(TaskMix value) {
        return new SimulatorConfig(port, apiKey, authHeader, autoCreate, value, faults, seed, clock);
    }

    public SimulatorConfig withFaults(Faults value) {
        return new SimulatorConfig(port, apiKey, authHeader, autoCreate, mix, value, seed, clock);
    }

    public SimulatorConfig withPort(int value) {
        return new SimulatorConfig(value, apiKey, authHeader, autoCreate, mix, faults, seed, clock);
    }

    public SimulatorConfig withClock(Clock value) {
        return new SimulatorConfig(port, apiKey, authHeader, autoCreate, mix, faults, seed, value);
    }
}
