package io.mjtracker.common.task;

import java.util.Locale;
import java.util.Objects;

/**
 * A task's status as the upstream sent it, kept verbatim, with its meaning for tracking. Values are
 * compared case-insensitively; an empty or absent status is a task the gateway has not synced yet.
 *
 * @param raw the status text, {@code ""} when empty or absent
 */
public record TaskStatus(String raw) {

    public TaskStatus {
        Objects.requireNonNull(raw, "raw");
    }

    /** The one place that decides what a status means. */
    public TrackingPhase phase() {
        return switch (normalized()) {
            case "", "NOT_START", "SUBMITTED", "IN_PROGRESS" -> TrackingPhase.RUNNING;
            case "SUCCESS", "FAILURE", "CANCEL" -> TrackingPhase.FINISHED;
            case "MODAL" -> TrackingPhase.NEEDS_USER;
            default -> TrackingPhase.UNKNOWN;
        };
    }

    /** Waiting to start: empty, NOT_START or SUBMITTED. */
    public boolean isQueued() {
        String value = normalized();
        return value.isEmpty() || value.equals("NOT_START") || value.equals("SUBMITTED");
    }

    /** The upper-cased, trimmed value used for comparisons. */
    public String normalized() {
        return raw.strip().toUpperCase(Locale.ROOT);
    }
}
