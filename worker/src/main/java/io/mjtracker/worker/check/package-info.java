/**
 * {@code mj-tracker check}: the preflight an operator runs before deploying. It reads the worker's
 * configuration exactly as the worker does and asks Kafka and the upstream what the worker will need
 * from them, one {@link io.mjtracker.worker.check.Finding} per question. It never prints the API key.
 */
package io.mjtracker.worker.check;
