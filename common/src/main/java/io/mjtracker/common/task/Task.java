package io.mjtracker.common.task;

import java.util.List;
import java.util.Objects;

/**
 * A task as the upstream returned it. The typed components cover every field the providers document;
 * {@link #json()} holds the whole object as received, unknown fields, explicit nulls and
 * the string-or-integer types of button fields included, so that writing a task back out loses
 * nothing. Build instances with {@link TaskCodec#parse}.
 *
 * @param submitTime epoch milliseconds, or null when absent or not a number (likewise startTime, finishTime)
 * @param status never null: an absent status is {@code ""}
 * @param progress never null
 * @param buttons never null, possibly empty
 * @param properties never null
 * @param json the task object exactly as received (the response body, trimmed)
 */
public record Task(
        String id,
        String action,
        String customId,
        String botType,
        String prompt,
        String promptEn,
        String description,
        String state,
        Long submitTime,
        Long startTime,
        Long finishTime,
        String imageUrl,
        String videoUrl,
        TaskStatus status,
        Progress progress,
        String failReason,
        List<Button> buttons,
        String maskBase64,
        TaskProperties properties,
        String json) {

    public Task {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(progress, "progress");
        buttons = List.copyOf(buttons);
        Objects.requireNonNull(properties, "properties");
        Objects.requireNonNull(json, "json");
    }

    /** The task's lifecycle meaning, shorthand for {@code status().phase()}. */
    public TrackingPhase phase() {
        return status.phase();
    }

    @Override
    public String toString() {
        // Prompts and masks can be long; logs need the identity and state only.
        return "Task[id=" + id + ", status=" + status.raw() + ", progress=" + progress.raw() + "]";
    }
}
