package io.mjtracker.worker.publish;

import org.apache.kafka.common.header.Header;

/**
 * A request re-enqueued to its own input partition, written in the same transaction that commits past
 * its current offset (docs/progress.md).
 */
public record Checkpoint(int partition, byte[] key, byte[] value, Header[] headers) {}
