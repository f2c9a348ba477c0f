package io.mjtracker.worker.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Serves {@code /metrics} (Prometheus text), {@code /health/live} and {@code /health/ready}. */
public final class MetricsServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts serving on {@code port} (0 picks a free one). */
    public static MetricsServer start(int port, PrometheusMeterRegistry registry, HealthState health) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
            ExecutorService executor = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("metrics-http").factory());
            server.setExecutor(executor);
            server.createContext("/metrics", exchange ->
                    respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
            server.createContext("/health/live", exchange -> health(exchange, health.live()));
            server.createContext("/health/ready", exchange -> health(exchange, health.ready()));
            server.start();
            return new MetricsServer(server, executor);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on METRICS_PORT=" + port + ": " + e.getMessage(), e);
        }
    }

    /** The port actually bound. */
    public int port() {
        return server.getAddress().getPort();
    }

    private static void health(HttpExchange exchange, boolean ok) throws IOException {
        respond(exchange, ok ? 200 : 503, "application/json", ok ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
