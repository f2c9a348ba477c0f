package io.mjtracker.common.record;

import io.mjtracker.common.task.TaskStatus;
import java.util.Optional;

/** How tracking a task ended. */
public enum Outcome {
    SUCCEEDED, FAILED, NEEDS_ACTION, CANCELLED, NOT_FOUND, TIMED_OUT;

    /** The outcome an upstream status means, where it is a final one. */
    public static Optional<Outcome> of(TaskStatus status) {
        return switch (status.normalized()) {
            case "SUCCESS" -> Optional.of(SUCCEEDED);
            case "FAILURE" -> Optional.of(FAILED);
            case "CANCEL" -> Optional.of(CANCELLED);
            case "MODAL" -> Optional.of(NEEDS_ACTION);
            default -> Optional.empty();
        };
    }
}
