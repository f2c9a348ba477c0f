package io.mjtracker.common.record;

/** Where the input record a result answers came from: consumers use it to tell requests for one id apart. */
public record RequestRef(String topic, int partition, long offset) {}
