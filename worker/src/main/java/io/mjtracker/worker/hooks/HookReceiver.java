package io.mjtracker.worker.hooks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.mjtracker.common.task.Task;
import io.mjtracker.common.task.TaskCodec;
import io.mjtracker.common.task.TaskParseException;
import io.mjtracker.worker.metrics.HookMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the callbacks self-hosted proxies POST to a task's {@code notifyHook}: {@code POST
 * /hooks/<profile>/<token>} with the task JSON in any dialect the worker reads. An accepted hook becomes a
 * {@link Hint} passed to the {@link HintSink} (the hints topic) and is answered 202 before it is stored:
 * proxies neither retry nor read the answer, and a hint lost is a poll that comes on the cadence instead.
 *
 * <p>Answers: 404 for an unknown profile or a wrong token, alike and in the same time (the caller learns
 * neither which); 405 for another method; 413 for a body over the limit; 429 past the per-source rate; 400
 * for a body that is not a task; 503 where the hint cannot be passed on now. The URL holds a secret, so no
 * path is ever logged.
 */
public final class HookReceiver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HookReceiver.class);
    private static final String PREFIX = "/hooks/";
    private static final int THREADS = 4;

    private final HttpServer server;
    private final ExecutorService executor;
    private final HookTokens tokens;
    private final SourceRateLimit rateLimit;
    private final int maxBodyBytes;
    private final TaskCodec codec;
    private final HintSink sink;
    private final HookMetrics metrics;
    private final Clock wall;
    private final LongSupplier nanoTime;

    private HookReceiver(HttpServer server, ExecutorService executor, HookTokens tokens, SourceRateLimit rateLimit,
            int maxBodyBytes, TaskCodec codec, HintSink sink, HookMetrics metrics, Clock wall, LongSupplier nanoTime) {
        this.server = server;
        this.executor = executor;
        this.tokens = tokens;
        this.rateLimit = rateLimit;
        this.maxBodyBytes = maxBodyBytes;
        this.codec = codec;
        this.sink = sink;
        this.metrics = metrics;
        this.wall = wall;
        this.nanoTime = nanoTime;
    }

    /**
     * Starts listening on {@code port} (0 picks a free one), on every interface: upstreams call it from outside.
     *
     * @param ratePerSource hooks accepted per second from one source address
     * @param maxBodyBytes the largest body read; a task's JSON is a few KB
     */
    public static HookReceiver start(int port, HookTokens tokens, double ratePerSource, int maxBodyBytes, TaskCodec codec,
            HintSink sink, HookMetrics metrics, Clock wall, LongSupplier nanoTime) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(port), 256);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot receive hooks on HOOK_PORT=" + port + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, Thread.ofPlatform().daemon().name("hooks-http-", 0).factory());
        server.setExecutor(executor);
        HookReceiver receiver = new HookReceiver(server, executor, tokens, new SourceRateLimit(ratePerSource, nanoTime),
                maxBodyBytes, codec, sink, metrics, wall, nanoTime);
        server.createContext("/", receiver::handle);
        server.start();
        return receiver;
    }

    /** The port actually bound. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** What a call is answered, and under which profile (null before its token was accepted) it counts. */
    private record Verdict(String profile, int status, String result) {}

    private void handle(HttpExchange exchange) throws IOException {
        long started = nanoTime.getAsLong();
        try (exchange) {
            Verdict verdict = judge(exchange);
            if (verdict.status() == 405) {
                exchange.getResponseHeaders().set("Allow", "POST");
            } else if (verdict.status() == 429) {
                exchange.getResponseHeaders().set("Retry-After", "1");
            }
            // Counted before the answer goes out: a caller holding its answer finds the call counted.
            metrics.received(verdict.profile(), verdict.result(), nanoTime.getAsLong() - started);
            byte[] body = ("{\"status\":" + verdict.status() + "}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(verdict.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private Verdict judge(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        String[] parts = path.startsWith(PREFIX) ? path.substring(PREFIX.length()).split("/", -1) : new String[0];
        if (parts.length != 2 || !tokens.accepts(parts[0], parts[1])) {
            return new Verdict(null, 404, HookMetrics.REJECTED);
        }
        String profile = parts[0];
        if (!"POST".equals(exchange.getRequestMethod())) {
            return new Verdict(profile, 405, HookMetrics.REJECTED);
        }
        if (!rateLimit.tryAcquire(exchange.getRemoteAddress().getAddress().getHostAddress())) {
            return new Verdict(profile, 429, HookMetrics.RATE_LIMITED);
        }
        byte[] body = readBounded(exchange);
        if (body == null) {
            return new Verdict(profile, 413, HookMetrics.TOO_LARGE);
        }
        Task task;
        try {
            task = codec.parse(body);
        } catch (TaskParseException e) {
            return new Verdict(profile, 400, HookMetrics.MALFORMED);
        }
        if (task.id() == null || task.id().isBlank()) {
            return new Verdict(profile, 400, HookMetrics.MALFORMED);
        }
        Hint hint = new Hint(profile, task.id(), task.status().raw(), task.progress().raw(), wall.millis());
        if (!sink.offer(hint)) {
            return new Verdict(profile, 503, HookMetrics.UNAVAILABLE);
        }
        LOG.atDebug().addKeyValue("task_id", task.id()).addKeyValue("upstream", profile)
                .log("hook for task {}: {} {}", task.id(), hint.status(), hint.progress());
        return new Verdict(profile, 202, HookMetrics.ACCEPTED);
    }

    /** The body, or null where it is longer than the limit (by its declared length or as read). */
    private byte[] readBounded(HttpExchange exchange) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > maxBodyBytes) {
                    return null;
                }
            } catch (NumberFormatException e) {
                return null;
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(maxBodyBytes + 1);
            return body.length > maxBodyBytes ? null : body;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
