package io.mjtracker.worker.upstream;

import io.mjtracker.worker.config.UpstreamSettings;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link UpstreamClient} over the JDK's non-blocking HTTP client: thousands of tasks share a handful of
 * connections and no thread waits on a response. Redirects are never followed, so a key cannot be sent
 * to another host; bodies are read up to {@code MJ_API_MAX_BODY_BYTES}. {@code MJ_API_REQUEST_TIMEOUT}
 * bounds the whole exchange, body included: the JDK's own request timeout (before JDK 26) stops only
 * the wait for headers, so a proxy that sends headers and then stalls the body would otherwise hold
 * its task forever.
 */
public final class HttpUpstreamClient implements UpstreamClient {

    private final UpstreamSettings settings;
    private final ResponseClassifier classifier;
    private final ExecutorService executor;
    private final HttpClient http;
    private final String authValue;

    public HttpUpstreamClient(UpstreamSettings settings, ResponseClassifier classifier) {
        this.settings = settings;
        this.classifier = classifier;
        // Completion handlers only classify and hand the result to the tracker's queue: two threads do.
        this.executor = Executors.newFixedThreadPool(2, Thread.ofPlatform().daemon().name("upstream-http-", 0).factory());
        this.http = Egress.clientBuilder(settings.egress()) // HTTPS_PROXY, NO_PROXY, MJ_API_CA_FILE
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.connectTimeout())
                // h2c upgrade attempts confuse some plain-http proxies; TLS negotiates HTTP/2 by ALPN.
                .version("https".equalsIgnoreCase(settings.baseUrl().getScheme())
                        ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
                .executor(executor)
                .build();
        String key = settings.apiKey().reveal();
        this.authValue = settings.bearerAuth() ? "Bearer " + key : key;
    }

    @Override
    public CompletableFuture<FetchResult> fetch(String taskId) {
        HttpRequest request = HttpRequest.newBuilder(uriFor(taskId))
                .timeout(settings.requestTimeout())
                .header(settings.authHeader(), authValue)
                .header("Accept", "application/json")
                .GET()
                .build();
        CompletableFuture<HttpResponse<BoundedBodySubscriber.Body>> exchange =
                http.sendAsync(request, info -> new BoundedBodySubscriber(settings.maxBodyBytes()));
        return exchange.copy()
                .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((response, failure) -> {
                    if (failure == null) {
                        return classify(response);
                    }
                    if (unwrap(failure) instanceof TimeoutException) {
                        // Cancelling the JDK client's future aborts the exchange and frees its connection.
                        exchange.cancel(true);
                        return new FetchResult.Timeout("no complete answer within " + settings.requestTimeout().toMillis() + " ms");
                    }
                    return classifyFailure(failure);
                });
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private FetchResult classify(HttpResponse<BoundedBodySubscriber.Body> response) {
        var body = response.body();
        return classifier.classify(response.statusCode(), response.headers(), body.bytes(), body.truncated());
    }

    private static FetchResult classifyFailure(Throwable failure) {
        return switch (unwrap(failure)) {
            case HttpConnectTimeoutException e -> new FetchResult.Timeout("connect timed out");
            case HttpTimeoutException e -> new FetchResult.Timeout("request timed out");
            case ConnectException e -> new FetchResult.IoFailure("connection refused or unreachable");
            case IOException e -> new FetchResult.IoFailure(e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            case Throwable other -> new FetchResult.IoFailure("request failed: " + other.getClass().getSimpleName());
        };
    }

    private URI uriFor(String taskId) {
        URI base = settings.baseUrl();
        String path = (base.getRawPath() == null ? "" : base.getRawPath()) + "/mj/task/" + taskId + "/fetch";
        return base.resolve(path);
    }

    @Override
    public void close() {
        http.shutdownNow();
        executor.shutdownNow();
    }
}
