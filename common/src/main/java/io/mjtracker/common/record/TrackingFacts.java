package io.mjtracker.common.record;

/**
 * What tracking observed, epoch milliseconds.
 *
 * @param finishedUpstreamAt the task's {@code finishTime}, or null when the upstream gave none
 * @param detectedAt when the worker saw the task end
 * @param polls requests made for the task
 */
public record TrackingFacts(long firstSeenAt, Long finishedUpstreamAt, long detectedAt, int polls) {}
