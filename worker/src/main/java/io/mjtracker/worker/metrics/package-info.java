/**
 * Metrics and health: every meter mj-tracker defines ({@link io.mjtracker.worker.metrics.TrackerMetrics}),
 * the binders for Resilience4j, Kafka clients and the JVM, and the HTTP endpoint serving {@code /metrics}
 * and the health checks. Names live under {@code mjtracker.}; no task id or key is ever a tag.
 */
package io.mjtracker.worker.metrics;
