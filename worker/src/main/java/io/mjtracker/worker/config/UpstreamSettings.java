package io.mjtracker.worker.config;

import java.net.URI;
import java.time.Duration;

/**
 * Where and how the worker fetches tasks. The key is a {@link Secret} and prints as {@code ***}.
 *
 * @param maxBodyBytes the largest answer read for one task; a batch answer may be this times the ids asked
 * @param egress the proxy and extra trust the requests go out with
 * @param batchMode whether polls share {@code list-by-condition} requests
 * @param batchMaxIds most task ids asked in one batch request
 * @param learnRefresh learn a sync-tick gateway's refresh period and poll no faster than it
 */
public record UpstreamSettings(
        URI baseUrl,
        Secret apiKey,
        String authHeader,
        Duration requestTimeout,
        Duration connectTimeout,
        int maxBodyBytes,
        EgressSettings egress,
        BatchMode batchMode,
        int batchMaxIds,
        boolean learnRefresh) {

    /** Largest batch answer read, whatever the ids asked: a bound on one request's memory. */
    public static final int MAX_BATCH_BODY_BYTES = 256 * 1024 * 1024;

    /** Direct connections, the JDK's trust, single fetches, no refresh learning (tests, tools). */
    public UpstreamSettings(URI baseUrl, Secret apiKey, String authHeader, Duration requestTimeout, Duration connectTimeout,
            int maxBodyBytes) {
        this(baseUrl, apiKey, authHeader, requestTimeout, connectTimeout, maxBodyBytes, EgressSettings.DIRECT,
                BatchMode.OFF, 1, false);
    }

    /** The body limit of a batch answer for {@code ids} tasks. */
    public int maxBatchBodyBytes(int ids) {
        return (int) Math.min((long) maxBodyBytes * Math.max(1, ids), MAX_BATCH_BODY_BYTES);
    }

    /** True where the key goes in {@code Authorization: Bearer <key>} rather than raw in a custom header. */
    public boolean bearerAuth() {
        return authHeader.equalsIgnoreCase("Authorization");
    }
}
