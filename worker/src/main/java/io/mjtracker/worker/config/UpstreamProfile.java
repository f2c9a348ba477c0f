package io.mjtracker.worker.config;

import io.mjtracker.common.record.RecordCodec;

/**
 * One upstream the worker tracks tasks on: where and with which key it asks, its own budget (the key's
 * limit, shared by the group), retry and circuit breaker. Requests name it by {@link #name()}; the
 * profile {@value #DEFAULT} takes requests that name none.
 *
 * @param metricsTag the {@code upstream} tag of its metrics: its name, unless profiles are grouped under
 *     one tag to keep the number of series bounded
 * @param hookToken the secret its upstream's callbacks carry, or null where the profile takes no hooks
 */
public record UpstreamProfile(String name, UpstreamSettings upstream, ResilienceSettings resilience, String metricsTag,
        Secret hookToken) {

    /** Whether the profile takes hooks (a hook token is configured). */
    public boolean hooked() {
        return hookToken != null;
    }

    /** The name records without one are read as: the same word in requests and in results. */
    public static final String DEFAULT = RecordCodec.DEFAULT_UPSTREAM;
}
