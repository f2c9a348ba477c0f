/**
 * Publishing: Kafka client settings in one place, topic provisioning at start, status updates through
 * an idempotent producer, and final results with dead letters and consumed offsets in one transaction.
 */
package io.mjtracker.worker.publish;
