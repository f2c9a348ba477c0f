package io.mjtracker.worker.config;

/** The four topics the worker reads and writes. */
public record TopicNames(String input, String status, String completed, String deadLetter) {}
