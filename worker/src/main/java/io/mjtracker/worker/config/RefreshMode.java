package io.mjtracker.worker.config;

/** {@code MJ_API_REFRESH}: whether the worker learns a gateway's sync tick and polls in step with it. */
public enum RefreshMode {
    AUTO,
    OFF
}
