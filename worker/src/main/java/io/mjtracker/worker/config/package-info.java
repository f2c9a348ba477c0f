/**
 * Configuration: every setting the worker reads (name, default, bounds, doc line) in {@link
 * io.mjtracker.worker.config.Setting}, read once at start from the environment (and optionally a
 * properties file) into the validated immutable {@link io.mjtracker.worker.config.WorkerConfig}.
 */
package io.mjtracker.worker.config;
