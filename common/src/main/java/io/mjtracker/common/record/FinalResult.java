package io.mjtracker.common.record;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one final result of a task request.
 *
 * @param reason why it ended so: the upstream's failReason, the not-found message, the timeout, the
 *     parse failure; null where there is nothing to say
 * @param taskJson the upstream task exactly as last fetched (compact JSON object, unknown fields
 *     included), or null where no fetch ever returned a task
 * @param metadata the input request's pass-through fields; treat as read-only
 */
public record FinalResult(
        int schemaVersion,
        String taskId,
        Outcome outcome,
        String reason,
        String taskJson,
        TrackingFacts tracking,
        RequestRef request,
        ObjectNode metadata) {

    public static final int SCHEMA_VERSION = 1;

    public static FinalResult of(String taskId, Outcome outcome, String reason, String taskJson,
            TrackingFacts tracking, RequestRef request, ObjectNode metadata) {
        return new FinalResult(SCHEMA_VERSION, taskId, outcome, reason, taskJson, tracking, request, metadata);
    }
}
