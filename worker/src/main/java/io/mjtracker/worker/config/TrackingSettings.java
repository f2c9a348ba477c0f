package io.mjtracker.worker.config;

import java.time.Duration;

/**
 * Limits on tracking.
 *
 * @param maxInFlight tasks tracked at once before intake pauses
 * @param resumeInFlight intake resumes below this low-water mark
 * @param maxConcurrentRequests upstream requests outstanding at once
 * @param maxTrackDuration unfinished tasks end as TIMED_OUT after this
 * @param notFoundGrace how long a task may be invisible upstream before NOT_FOUND
 * @param maxMalformedPolls consecutive unparseable answers before a task ends as FAILED
 * @param cadenceScale multiplies every poll interval
 * @param maxPollGap no task waits longer than this between polls while others are polled, however far demand exceeds the budget
 */
public record TrackingSettings(
        int maxInFlight,
        int resumeInFlight,
        int maxConcurrentRequests,
        Duration maxTrackDuration,
        Duration notFoundGrace,
        int maxMalformedPolls,
        double cadenceScale,
        Duration maxPollGap) {}
