/**
 * The upstream task as {@code GET /mj/task/{id}/fetch} returns it, in every provider's dialect: a
 * lossless {@link io.mjtracker.common.task.Task}, tolerant parsing in {@link
 * io.mjtracker.common.task.TaskCodec}, and the one place that says what a status means for tracking
 * ({@link io.mjtracker.common.task.TaskStatus#phase()}).
 */
package io.mjtracker.common.task;
