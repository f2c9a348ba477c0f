package io.mjtracker.simulator;

/** The ways real servers say "no such task". */
public enum NotFoundStyle {
    /** HTTP 404 with a JSON error object. */
    HTTP_404,
    /** HTTP 200 with an empty body (midjourney-proxy). */
    EMPTY_200,
    /** HTTP 200 with the body {@code null} (midjourney-proxy). */
    NULL_200,
    /** HTTP 204 (the C# fork of midjourney-proxy). */
    NO_CONTENT_204,
    /** HTTP 400 {@code {"code":4,"description":"task_no_found"}} (the gateway behind several resellers). */
    TASK_NO_FOUND_400
}
