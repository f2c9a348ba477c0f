package io.mjtracker.simulator;

import java.time.Duration;
import java.util.Objects;

/**
 * How a simulated task lives: invisible for a while (fetches answer not-found in {@code notFoundStyle}),
 * then queued ({@code ""} status for {@code emptyStatusFor}, then NOT_START/SUBMITTED), running with
 * progress rising in steps to 100%, then ending with {@code end} (SUCCESS, FAILURE, MODAL, CANCEL or
 * any text).
 */
public record TaskScript(
        Duration invisibleFor,
        NotFoundStyle notFoundStyle,
        Duration emptyStatusFor,
        Duration queueFor,
        Duration runFor,
        String end,
        String failReason,
        Dialect dialect) {

    public TaskScript {
        Objects.requireNonNull(invisibleFor);
        Objects.requireNonNull(notFoundStyle);
        Objects.requireNonNull(emptyStatusFor);
        Objects.requireNonNull(queueFor);
        Objects.requireNonNull(runFor);
        Objects.requireNonNull(end);
        Objects.requireNonNull(dialect);
    }

    /** Queued for {@code queue}, running for {@code run}, then SUCCESS, in the CometAPI dialect. */
    public static TaskScript succeedsAfter(Duration queue, Duration run) {
        return new TaskScript(Duration.ZERO, NotFoundStyle.HTTP_404, Duration.ZERO, queue, run, "SUCCESS", null, Dialect.COMET);
    }

    /** Like {@link #succeedsAfter} but ends with FAILURE and {@code reason}. */
    public static TaskScript failsAfter(Duration queue, Duration run, String reason) {
        return succeedsAfter(queue, run).withEnd("FAILURE", reason);
    }

    public TaskScript withEnd(String status, String reason) {
        return new TaskScript(invisibleFor, notFoundStyle, emptyStatusFor, queueFor, runFor, status, reason, dialect);
    }

    public TaskScript withDialect(Dialect value) {
        return new TaskScript(invisibleFor, notFoundStyle, emptyStatusFor, queueFor, runFor, end, failReason, value);
    }

    public TaskScript invisibleFor(Duration duration, NotFoundStyle style) {
        return new TaskScript(duration, style, emptyStatusFor, queueFor, runFor, end, failReason, dialect);
    }

    public TaskScript withEmptyStatusFor(Duration duration) {
        return new TaskScript(invisibleFor, notFoundStyle, duration, queueFor, runFor, end, failReason, dialect);
    }

    /** Total time from creation to the end state. */
    public Duration lifetime() {
        return invisibleFor.plus(queueFor).plus(runFor);
    }
}
