package io.mjtracker.worker.intake;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** An input record read as a task request, or why it is not one. */
public sealed interface ParsedInput {

    /**
     * A valid request: the id, the upstream profile it names (or {@code default}), and the other fields of a
     * JSON input (an empty object for a bare id).
     */
    record Request(String taskId, String upstream, ObjectNode metadata) implements ParsedInput {}

    /** Not a request; {@code detail} is safe to log and to put in a header (never the raw value). */
    record Rejected(DeadLetterReason reason, String detail) implements ParsedInput {}
}
