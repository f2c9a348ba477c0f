package io.mjtracker.worker.upstream;

import io.mjtracker.worker.config.EgressSettings;
import io.mjtracker.worker.config.UpstreamSettings;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP clients every upstream profile sends through: one per connect timeout and protocol, not one
 * per profile, because each JDK client keeps a selector thread of its own and a deployment may hold
 * hundreds of customer keys on one gateway. Connections are pooled per host inside a client, so
 * profiles of different hosts sharing one lose nothing. Built on the worker's thread, before tracking starts.
 */
public final class HttpTransports implements AutoCloseable {

    private record Kind(Duration connectTimeout, boolean https) {}

    private final EgressSettings egress;
    // Completion handlers only classify and hand the result to the tracker's queue: two threads do.
    private final ExecutorService executor =
            Executors.newFixedThreadPool(2, Thread.ofPlatform().daemon().name("upstream-http-", 0).factory());
    private final Map<Kind, HttpClient> clients = new HashMap<>();
    /** Answers of every profile together count against it: one upstream's huge answers cannot exhaust the heap. */
    private final ResponseMemory responseMemory;

    /**
     * @param egress the proxy and extra trust every profile's requests go out with
     * @param responseMemory the bound on answer bytes held at once, every profile together
     */
    public HttpTransports(EgressSettings egress, ResponseMemory responseMemory) {
        this.egress = egress;
        this.responseMemory = responseMemory;
    }

    ResponseMemory responseMemory() {
        return responseMemory;
    }

    /** The client for a profile of these settings. */
    synchronized HttpClient clientFor(UpstreamSettings settings) {
        boolean https = "https".equalsIgnoreCase(settings.baseUrl().getScheme());
        return clients.computeIfAbsent(new Kind(settings.connectTimeout(), https), kind ->
                Egress.clientBuilder(egress) // HTTPS_PROXY, NO_PROXY, MJ_API_CA_FILE
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .connectTimeout(kind.connectTimeout())
                        // h2c upgrade attempts confuse some plain-http proxies; TLS negotiates HTTP/2 by ALPN.
                        .version(kind.https() ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
                        .executor(executor)
                        .build());
    }

    @Override
    public synchronized void close() {
        clients.values().forEach(HttpClient::shutdownNow);
        clients.clear();
        executor.shutdownNow();
    }
}
