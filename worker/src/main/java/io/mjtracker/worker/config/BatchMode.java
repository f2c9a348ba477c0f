package io.mjtracker.worker.config;

/** {@code MJ_API_BATCH}: whether polls of several tasks share one {@code list-by-condition} request. */
public enum BatchMode {
    /** Use the batch route where the upstream answers it; fall back to single fetches where it does not. */
    AUTO,
    /** Always batch; an upstream without the route is a configuration error (the circuit opens, tasks wait). */
    ON,
    /** One fetch per task. */
    OFF
}
