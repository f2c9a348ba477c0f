package io.mjtracker.common.task;

/**
 * An error answer's message, from either shape providers use: {@code {"error":{"code","message","type"}}}
 * or {@code {"code":4,"description":"task_no_found"}}.
 *
 * @param code the code as text, or null
 */
public record UpstreamError(String code, String message) {}
