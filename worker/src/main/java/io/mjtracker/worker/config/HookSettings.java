package io.mjtracker.worker.config;

import java.time.Duration;

/**
 * The hook receiver and the hints it passes on (docs/hooks.md).
 *
 * @param port the receiver's port; 0 picks a free port, -1 disables it (hints from other instances are still read)
 * @param hintsTopic where accepted hooks travel to the instance tracking their task
 * @param ratePerSource hooks accepted per second from one source address
 * @param safetyGap while a profile's hooks are trusted, its tasks are polled at this gap plus on hooks
 */
public record HookSettings(int port, String hintsTopic, double ratePerSource, Duration safetyGap) {}
