package io.mjtracker.common.record;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one final result of a task request.
 *
 * @param upstream the upstream profile the task was tracked on ({@code default} unless the request named one)
 * @param reason why it ended so: the upstream's failReason, the not-found message, the timeout, the
 *     parse failure; null where there is nothing to say
 * @param taskJson the upstream task exactly as last fetched (compact JSON object, unknown fields
 *     included), or null where no fetch ever returned a task
 * @param metadata the input request's pass-through fields; treat as read-only
 * @param taskTrimmed true where {@code taskJson} lost its largest fields (or all of it) so that the
 *     result fits the completed topic's record size limit
 */
public record FinalResult(
        int schemaVersion,
        String taskId,
        String upstream,
        Outcome outcome,
        String reason,
        String taskJson,
        TrackingFacts tracking,
        RequestRef request,
        ObjectNode metadata,
        boolean taskTrimmed) {

    public static final int SCHEMA_VERSION = 1;

    public static FinalResult of(String taskId, String upstream, Outcome outcome, String reason, String taskJson,
            TrackingFacts tracking, RequestRef request, ObjectNode metadata) {
        return new FinalResult(SCHEMA_VERSION, taskId, upstream, outcome, reason, taskJson, tracking, request, metadata, false);
    }

    /** The same result with {@code trimmedTaskJson} in place of the task, marked as trimmed. */
    public FinalResult withTrimmedTask(String trimmedTaskJson) {
        return new FinalResult(schemaVersion, taskId, upstream, outcome, reason, trimmedTaskJson, tracking, request, metadata, true);
    }
}
