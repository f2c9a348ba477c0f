/**
 * The mj-tracker worker. {@link io.mjtracker.worker.Main} reads the configuration and runs a {@link
 * io.mjtracker.worker.Worker}, the one place where components are built and wired.
 */
package io.mjtracker.worker;
