package io.mjtracker.worker.intake;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Why an input record is not a task request; the {@code reason} header and metric tag of its dead letter. */
public enum DeadLetterReason {
    EMPTY, TOO_LARGE, NOT_UTF8, BAD_JSON, MISSING_ID, INVALID_ID, UNKNOWN_UPSTREAM;

    /** The tag and header value, e.g. {@code invalid_id}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static List<String> tags() {
        return Arrays.stream(values()).map(DeadLetterReason::tag).toList();
    }
}
