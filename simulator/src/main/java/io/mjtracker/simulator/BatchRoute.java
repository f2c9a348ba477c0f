package io.mjtracker.simulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code POST /mj/task/list-by-condition} (alias {@code list-by-ids}) with {@code {"ids": [...]}}: a bare array
 * of the known, visible tasks among the ids, each rendered as its single fetch would be at that moment;
 * unknown ids left out and no order kept, as every proxy flavour answers; at most {@code batchCap} tasks.
 * The key check, outage, 429 limiter (one token per batch), latency and 5xx are the single fetch's; the
 * hostile and malformed faults stay with the single fetch.
 */
final class BatchRoute implements HttpHandler {

    static final List<String> PATHS = List.of("/mj/task/list-by-condition", "/mj/task/list-by-ids");

    /** What a gateway without the route answers there: its web server's own page, not the API's JSON. */
    private static final byte[] ROUTE_NOT_FOUND_HTML =
            "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>"
                    .getBytes(StandardCharsets.UTF_8);

    private final UpstreamSimulator simulator;
    private final SimulatorConfig config;
    private final AtomicLong answered = new AtomicLong();

    BatchRoute(UpstreamSimulator simulator, SimulatorConfig config) {
        this.simulator = simulator;
        this.config = config;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        if (!PATHS.contains(exchange.getRequestURI().getRawPath())) {
            // A context matches by prefix: /mj/task/list-by-ids/fetch is the fetch of a task so named.
            simulator.fetch(exchange);
            return;
        }
        long arrival = System.nanoTime();
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            // Parsed before any check, so that the record counts the ids asked even when the answer is a refusal.
            BatchQuery query = null;
            String invalid = null;
            try {
                query = BatchQuery.parse(body);
            } catch (IllegalArgumentException e) {
                invalid = e.getMessage();
            }
            simulator.stats().recordBatch(query == null ? 0 : query.ids().size());
            if (!config.batchRoute()) {
                exchange.getResponseHeaders().set("Content-Type", "text/html");
                simulator.send(exchange, arrival, null, 404, ROUTE_NOT_FOUND_HTML);
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                simulator.send(exchange, arrival, null, 405, new byte[0]);
                return;
            }
            if (simulator.refused(exchange, arrival, null, simulator.faults())) {
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (query == null) {
                // new-api's answer to a body its JSON binding rejects.
                StringBuilder error = new StringBuilder("{\"code\":4,");
                TaskRenderer.field(error, "description", invalid).append('}');
                simulator.send(exchange, arrival, null, 400, error.toString().getBytes(StandardCharsets.UTF_8));
                return;
            }
            simulator.send(exchange, arrival, null, 200, answer(query.ids(), exchange));
        }
    }

    private byte[] answer(List<String> ids, HttpExchange exchange) {
        List<byte[]> tasks = new ArrayList<>();
        // Each task once, as the proxies query their store with "id in (...)"; the cap counts known ids in the order asked.
        for (String id : new LinkedHashSet<>(ids)) {
            if (config.batchCap() > 0 && tasks.size() == config.batchCap()) {
                break;
            }
            byte[] task = simulator.visibleTask(id, exchange);
            if (task != null) {
                tasks.add(task);
            }
        }
        // Seeded per answer so that runs repeat, while a client relying on the order asked still breaks.
        Collections.shuffle(tasks, new SplittableRandom(config.seed() + answered.incrementAndGet()));
        ByteArrayOutputStream array = new ByteArrayOutputStream();
        array.write('[');
        for (int i = 0; i < tasks.size(); i++) {
            if (i > 0) {
                array.write(',');
            }
            array.writeBytes(tasks.get(i));
        }
        array.write(']');
        return array.toByteArray();
    }
}
