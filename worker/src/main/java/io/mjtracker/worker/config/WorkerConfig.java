package io.mjtracker.worker.config;

import java.time.Duration;

/**
 * Everything the worker is configured with, read once at start by {@link WorkerConfigLoader} and
 * passed to the components that need a part of it.
 *
 * @param metricsPort port of the metrics and health endpoint; 0 picks a free port, -1 disables it
 */
public record WorkerConfig(
        KafkaSettings kafka,
        UpstreamSettings upstream,
        TrackingSettings tracking,
        ResilienceSettings resilience,
        int metricsPort,
        Duration shutdownTimeout) {}
