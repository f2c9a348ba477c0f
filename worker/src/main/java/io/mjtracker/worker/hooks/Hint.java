package io.mjtracker.worker.hooks;

import java.util.Objects;

/**
 * What a hook said of a task: its id, status and progress as the upstream's callback carried them. Only
 * a reason to poll the task sooner; the rest of the callback's body is not kept.
 *
 * @param upstream the profile whose hook URL (and token) it came through
 * @param receivedAtMillis when the receiver took it (wall clock), for the hint's age
 */
public record Hint(String upstream, String taskId, String status, String progress, long receivedAtMillis) {

    public Hint {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(progress, "progress");
    }
}
