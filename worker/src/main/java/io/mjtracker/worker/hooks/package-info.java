/**
 * Hooks: the callbacks (`notifyHook`) self-hosted proxies POST on every change of a task, taken as hints.
 * The receiver checks and publishes them to the hints topic; every instance reads all of it and hands
 * the hints for its own tasks to the tracker, which polls those tasks sooner. A hint never ends a task
 * and never becomes a record by itself (docs/hooks.md).
 */
package io.mjtracker.worker.hooks;
