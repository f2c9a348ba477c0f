/**
 * The {@code mj-tracker} command for the people around the worker: {@code run} (the one-command local
 * run on an embedded broker and simulator, or the plain worker), {@code submit} (produce task ids),
 * {@code watch} (follow status and results live), {@code check} (the preflight, in {@code check}) and
 * {@code simulator}.
 */
package io.mjtracker.cli;
