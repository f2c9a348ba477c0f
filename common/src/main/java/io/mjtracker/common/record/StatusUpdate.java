package io.mjtracker.common.record;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mjtracker.common.task.Task;

/**
 * A change of a task's status or progress, as one poll observed it.
 *
 * @param upstream the upstream profile the task is tracked on ({@code default} unless the request named one)
 * @param status the status text as sent, {@code ""} when empty
 * @param phase the status's meaning (a {@link io.mjtracker.common.task.TrackingPhase} name)
 * @param progressPercent 0..100, or null when the progress text gives none
 * @param progressRaw the progress text as sent, or null
 * @param imageUrl null when absent or empty (likewise videoUrl)
 * @param metadata the input request's pass-through fields; treat as read-only
 */
public record StatusUpdate(
        int schemaVersion,
        String taskId,
        String upstream,
        String status,
        String phase,
        Integer progressPercent,
        String progressRaw,
        String imageUrl,
        String videoUrl,
        long observedAt,
        int pollCount,
        RequestRef request,
        ObjectNode metadata) {

    public static final int SCHEMA_VERSION = 1;

    /** The update a poll at {@code observedAt} makes of {@code task}. */
    public static StatusUpdate of(String taskId, String upstream, Task task, long observedAt, int pollCount, RequestRef request, ObjectNode metadata) {
        int percent = task.progress().percent();
        return new StatusUpdate(SCHEMA_VERSION, taskId, upstream, task.status().raw(), task.status().phase().name(),
                percent < 0 ? null : percent, task.progress().raw(), blankToNull(task.imageUrl()),
                blankToNull(task.videoUrl()), observedAt, pollCount, request, metadata);
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }
}
