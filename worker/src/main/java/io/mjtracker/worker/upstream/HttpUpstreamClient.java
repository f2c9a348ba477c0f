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
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@link UpstreamClient} over the JDK's non-blocking HTTP client: thousands of tasks share a handful of
 * connections and no thread waits on a response. Redirects are never followed, so a key cannot be sent
 * to another host; bodies are read up to {@code MJ_API_MAX_BODY_BYTES} (times the ids asked, for a batch).
 * {@code MJ_API_REQUEST_TIMEOUT}
 * bounds the whole exchange, body included: the JDK's own request timeout (before JDK 26) stops only
 * the wait for headers, so a proxy that sends headers and then stalls the body would otherwise hold
 * its task forever.
 */
public final class HttpUpstreamClient implements UpstreamClient {

    /** The batch query every proxy flavour serves (novicezk, trueai-org, new-api, CometAPI). */
    static final String BATCH_PATH = "/mj/task/list-by-condition";

    private final UpstreamSettings settings;
    private final ResponseClassifier classifier;
    private final HttpClient http;
    /** The transports this client made for itself and closes; null where they are shared and closed by their owner. */
    private final HttpTransports own;
    private final String authValue;
    private final URI batchUri;
    private final ResponseMemory memory;

    /** A client with transports of its own (a single upstream: tools, tests). */
    public HttpUpstreamClient(UpstreamSettings settings, ResponseClassifier classifier) {
        this(settings, classifier, new HttpTransports(settings.egress(), ResponseMemory.quarterOfHeap()), true);
    }

    /** A client sending through {@code transports}, which its owner closes. */
    public HttpUpstreamClient(UpstreamSettings settings, ResponseClassifier classifier, HttpTransports transports) {
        this(settings, classifier, transports, false);
    }

    private HttpUpstreamClient(UpstreamSettings settings, ResponseClassifier classifier, HttpTransports transports,
            boolean owned) {
        this.settings = settings;
        this.classifier = classifier;
        this.http = transports.clientFor(settings);
        this.own = owned ? transports : null;
        String key = settings.apiKey().reveal();
        this.authValue = settings.bearerAuth() ? "Bearer " + key : key;
        this.batchUri = resolve(BATCH_PATH);
        this.memory = transports.responseMemory();
    }

    @Override
    public CompletableFuture<FetchResult> fetch(String taskId) {
        HttpRequest request = authorized(HttpRequest.newBuilder(uriFor(taskId))).GET().build();
        return exchange(request, settings.maxBodyBytes(), this::classify, failure -> failure);
    }

    @Override
    public CompletableFuture<BatchResult> fetchBatch(List<String> taskIds) {
        // Ids are [A-Za-z0-9._:-] (checked at intake): nothing to escape.
        String body = taskIds.stream().collect(Collectors.joining("\",\"", "{\"ids\":[\"", "\"]}"));
        HttpRequest request = authorized(HttpRequest.newBuilder(batchUri))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        Set<String> asked = Set.copyOf(taskIds);
        return exchange(request, settings.maxBatchBodyBytes(taskIds.size()), response -> classifyBatch(response, asked),
                BatchResult.Failed::new);
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder builder) {
        return builder.timeout(settings.requestTimeout())
                .header(settings.authHeader(), authValue)
                .header("Accept", "application/json");
    }

    /**
     * Sends a request whose whole exchange, body included, ends within the request timeout. The body's
     * bytes count against the response memory until the answer is classified, or the exchange fails.
     */
    private <T> CompletableFuture<T> exchange(HttpRequest request, int maxBodyBytes,
            Function<HttpResponse<BoundedBodySubscriber.Body>, T> classify, Function<FetchResult, T> failed) {
        AtomicReference<BoundedBodySubscriber> reading = new AtomicReference<>();
        CompletableFuture<HttpResponse<BoundedBodySubscriber.Body>> exchange = http.sendAsync(request, info -> {
            BoundedBodySubscriber subscriber = new BoundedBodySubscriber(maxBodyBytes, memory);
            reading.set(subscriber);
            return subscriber;
        });
        return exchange.copy()
                .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((response, failure) -> {
                    if (failure == null) {
                        try {
                            if (response.body().starved()) {
                                return failed.apply(new FetchResult.IoFailure("answer not read: the worker holds "
                                        + memory.heldBytes() / (1024 * 1024) + " MiB of answers already (a quarter of its heap)"));
                            }
                            return classify.apply(response);
                        } finally {
                            reading.get().release();
                        }
                    }
                    BoundedBodySubscriber subscriber = reading.get();
                    if (subscriber != null) {
                        subscriber.abandon();
                    }
                    if (unwrap(failure) instanceof TimeoutException) {
                        // Cancelling the JDK client's future aborts the exchange and frees its connection.
                        exchange.cancel(true);
                        return failed.apply(new FetchResult.Timeout("no complete answer within " + settings.requestTimeout().toMillis() + " ms"));
                    }
                    return failed.apply(classifyFailure(failure));
                });
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private FetchResult classify(HttpResponse<BoundedBodySubscriber.Body> response) {
        var body = response.body();
        return classifier.classify(response.statusCode(), response.headers(), body.bytes(), body.truncated());
    }

    private BatchResult classifyBatch(HttpResponse<BoundedBodySubscriber.Body> response, Set<String> asked) {
        var body = response.body();
        return classifier.classifyBatch(response.statusCode(), response.headers(), body.bytes(), body.truncated(), asked);
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
        return resolve("/mj/task/" + taskId + "/fetch");
    }

    /** The path under the base URL, keeping a base path prefix such as {@code /v1}. */
    private URI resolve(String path) {
        URI base = settings.baseUrl();
        return base.resolve((base.getRawPath() == null ? "" : base.getRawPath()) + path);
    }

    @Override
    public void close() {
        if (own != null) {
            own.close();
        }
    }
}
