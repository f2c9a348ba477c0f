package io.mjtracker.common.task;

/** What a task's status means for whoever polls it. */
public enum TrackingPhase {
    /** Not started or running (empty, NOT_START, SUBMITTED, IN_PROGRESS): keep polling. */
    RUNNING,
    /** SUCCESS, FAILURE or CANCEL: polling stops, the task has its final result. */
    FINISHED,
    /** MODAL: the task waits for the user's input; polling stops. */
    NEEDS_USER,
    /** A status nobody documented: keep polling, and count it. */
    UNKNOWN
}
