package io.mjtracker.common.task;

/**
 * A follow-up action offered on a finished task. Providers send {@code type} and {@code style} as
 * strings or integers; both are exposed as text, and the original JSON of the task keeps their type.
 */
public record Button(String customId, String label, String type, String style, String emoji) {}
