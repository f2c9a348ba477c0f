package io.mjtracker.worker.tracking;

/**
 * How much a due poll is worth when the request budget cannot send every due poll at once: the
 * dispatcher serves the classes in this order, and any task not polled for {@code TRACKER_MAX_POLL_GAP}
 * before all of them.
 */
enum Urgency {
    /**
     * Running and possibly finished by what this poll sees: the poll most likely to end a task, and lag is
     * what users see. Among these, the task that may have finished earliest goes first.
     */
    FINISHING,
    /** Running far from its predicted finish, never seen yet, retrying after an error, or in an unknown status. */
    RUNNING,
    /** Still queued upstream, or not found yet: when it starts matters little. */
    WAITING
}
