/**
 * Logging as the operator configures it ({@code LOG_FORMAT}, {@code LOG_LEVEL}, {@code LOG_LEVELS}, from
 * the environment or {@code TRACKER_CONFIG_FILE}): applied to logback once the configuration is read, with
 * a JSON line format whose fields a log shipper can filter on.
 */
package io.mjtracker.worker.logging;
