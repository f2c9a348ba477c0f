package io.mjtracker.worker.tracking;

import io.mjtracker.common.record.FinalResult;

/** A request whose task has ended, with the result to publish for it. */
public record Completion(TaskRequest request, FinalResult result) {}
