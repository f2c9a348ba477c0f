package io.mjtracker.worker.config;

import java.net.URI;
import java.time.Duration;

/**
 * Where and how the worker fetches tasks. The key is a {@link Secret} and prints as {@code ***}.
 *
 * @param egress the proxy and extra trust the requests go out with
 */
public record UpstreamSettings(
        URI baseUrl,
        Secret apiKey,
        String authHeader,
        Duration requestTimeout,
        Duration connectTimeout,
        int maxBodyBytes,
        EgressSettings egress) {

    /** Direct connections and the JDK's trust only: no proxy, no MJ_API_CA_FILE (tests, tools). */
    public UpstreamSettings(URI baseUrl, Secret apiKey, String authHeader, Duration requestTimeout, Duration connectTimeout,
            int maxBodyBytes) {
        this(baseUrl, apiKey, authHeader, requestTimeout, connectTimeout, maxBodyBytes, EgressSettings.DIRECT);
    }

    /** True where the key goes in {@code Authorization: Bearer <key>} rather than raw in a custom header. */
    public boolean bearerAuth() {
        return authHeader.equalsIgnoreCase("Authorization");
    }
}
