/**
 * Tracking: the registry of tasks in flight, when each is polled next ({@link
 * io.mjtracker.worker.tracking.PollCadence}), and the single tracker thread that dispatches polls under
 * the upstream guard and turns answers into status updates and final results.
 */
package io.mjtracker.worker.tracking;
