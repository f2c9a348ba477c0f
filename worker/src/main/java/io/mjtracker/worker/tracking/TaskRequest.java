package io.mjtracker.worker.tracking;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mjtracker.common.record.RequestRef;
import org.apache.kafka.common.header.Header;

/**
 * One input record asking for a task to be tracked.
 *
 * @param headers the input record's headers, copied onto every record this request produces
 * @param metadata the input's fields other than {@code id}, passed through to the outputs (empty object when none)
 * @param assignment which assignment of the partition took the record in; results of an earlier
 *     assignment are discarded after a rebalance because the new owner redoes them
 */
public record TaskRequest(
        String taskId, RequestRef source, Header[] headers, ObjectNode metadata, long receivedAtMillis, long assignment) {}
