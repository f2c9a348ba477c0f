package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.Dialect;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaBroker;
import io.mjtracker.testkit.KafkaBrokerExtension;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import io.mjtracker.worker.schema.RecordSchemas;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Batch polling against the simulator's {@code list-by-condition}: the answer is matched by id, and what
 * it leaves out or garbles never ends a task by itself.
 */
@ExtendWith(KafkaBrokerExtension.class)
class BatchPollingIT {

    private final KafkaBroker broker;
    private final RecordCodec codec = new RecordCodec();
    private UpstreamSimulator simulator;
    private HttpServer garbler;

    BatchPollingIT(KafkaBroker broker) {
        this.broker = broker;
    }

    @AfterEach
    void stop() {
        if (garbler != null) {
            garbler.stop(0);
        }
        if (simulator != null) {
            simulator.close();
        }
    }

    private List<String> tasks(int count, Duration run) {
        return simulator.createTasks(count, TaskScript.succeedsAfter(Duration.ZERO, run));
    }

    /** Tracks {@code ids} to their results with one worker; {@code settings} override the test defaults. */
    private Tracked track(List<String> ids, Map<String, String> settings, URI upstream) {
        TestTopics topics = new TestTopics(broker);
        Map<String, String> env = topics.workerEnv(simulator);
        if (upstream != null) {
            env.put("MJ_API_BASE_URL", upstream.toString());
        }
        env.put("TRACKER_RATE_LIMIT_PER_SECOND", "50");
        env.putAll(settings);
        try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
            topics.produceIds(ids);
            Map<String, FinalResult> results = new HashMap<>();
            List<byte[]> values = new ArrayList<>();
            topics.read(topics.completed, ids.size(), Duration.ofSeconds(60), Duration.ofSeconds(1))
                    .forEach(record -> {
                        FinalResult result = codec.readFinalResult(record.value());
                        results.put(result.taskId(), result);
                        values.add(record.value());
                    });
            double batchSize = worker.registry().get("mjtracker.batch.size").gauge().value();
            return new Tracked(results, values, batchSize);
        }
    }

    /** @param values the result records as written */
    private record Tracked(Map<String, FinalResult> results, List<byte[]> values, double batchSize) {}

    @Test
    void idsTheBatchLeavesOutAreAskedAloneAndOnlyThenEndAsNotFound() {
        simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false));
        List<String> known = tasks(30, Duration.ofSeconds(2));
        List<String> unknown = List.of("never-created-1", "never-created-2", "never-created-3");
        List<String> ids = new ArrayList<>(known);
        ids.addAll(unknown);

        Tracked tracked = track(ids, Map.of(), null);

        assertThat(tracked.results()).hasSize(ids.size());
        known.forEach(id -> assertThat(tracked.results().get(id).outcome()).as(id).isEqualTo(Outcome.SUCCEEDED));
        unknown.forEach(id -> {
            assertThat(tracked.results().get(id).outcome()).as(id).isEqualTo(Outcome.NOT_FOUND);
            assertThat(simulator.stats().fetchCount(id)).as("single fetches of %s", id).isGreaterThanOrEqualTo(2);
        });
        assertThat(simulator.stats().batchRequests()).as("batch requests").isPositive();
        assertThat(simulator.stats().idsAsked()).as("ids asked in batches").isGreaterThan(2 * simulator.stats().batchRequests());
    }

    @Test
    void aSilentlyCappedBatchEndsNoTaskAsNotFoundAndTheBatchSizeFollowsTheCap() {
        simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false).withBatch(true, 5));
        List<String> ids = tasks(60, Duration.ofSeconds(3));

        Tracked tracked = track(ids, Map.of("MJ_API_BATCH_MAX_IDS", "40"), null);

        assertThat(tracked.results().values()).hasSize(ids.size())
                .allSatisfy(result -> assertThat(result.outcome()).as(result.taskId()).isEqualTo(Outcome.SUCCEEDED));
        assertThat(tracked.batchSize()).as("ids per request once the cap was noticed").isEqualTo(5);
        // Without the release about 50 single fetches confirm the left-out tasks (47 measured). With it, those
        // that batches sent before the second confirmation came back still go (up to 21 seen), the rest go back
        // into batches.
        assertThat(simulator.stats().totalRequests() - simulator.stats().batchRequests())
                .as("single fetches confirming left-out tasks").isLessThan(30);
    }

    @Test
    void anUpstreamWithoutTheBatchRouteIsPolledWithSingleFetches() {
        simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false).withBatch(false, 0));
        List<String> ids = tasks(30, Duration.ofSeconds(2));

        Tracked tracked = track(ids, Map.of(), null);

        assertThat(tracked.results().values()).hasSize(ids.size())
                .allSatisfy(result -> assertThat(result.outcome()).isEqualTo(Outcome.SUCCEEDED));
        assertThat(tracked.batchSize()).isEqualTo(1);
        // Discovery: the batches in flight before the first 404 came back, and none after.
        assertThat(simulator.stats().batchRequests()).isBetween(1L, 8L);
        ids.forEach(id -> assertThat(simulator.stats().fetchCount(id)).as(id).isPositive());
    }

    @Test
    void tasksOfEveryDialectShareOneBatchAndKeepTheirOwnFields() {
        simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false));
        List<String> ids = new ArrayList<>();
        Map<String, Dialect> dialects = new HashMap<>();
        for (int i = 0; i < 32; i++) {
            Dialect dialect = Dialect.values()[i % Dialect.values().length];
            String id = simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofSeconds(2)).withDialect(dialect));
            ids.add(id);
            dialects.put(id, dialect);
        }

        Tracked tracked = track(ids, Map.of(), null);

        assertThat(tracked.results().values()).hasSize(ids.size())
                .allSatisfy(result -> assertThat(result.outcome()).isEqualTo(Outcome.SUCCEEDED));
        ids.forEach(id -> {
            String json = tracked.results().get(id).taskJson();
            switch (dialects.get(id)) {
                case APIDOC -> assertThat(json).as(id).contains("\"type\":\"2\"");
                case COMET, NEWAPI -> assertThat(json).as(id).contains("\"type\":2");
                case FORK -> assertThat(json).as(id).contains("\"parentId\"");
            }
        });
        assertThat(simulator.stats().idsAsked()).isGreaterThan(2 * simulator.stats().batchRequests());
        RecordSchemas.assertAllMatch(RecordSchemas.FINAL_RESULT, tracked.values());
    }

    @Test
    void aGarbledElementCostsOnlyItsTaskASingleFetch() {
        simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false));
        List<String> ids = tasks(30, Duration.ofSeconds(2));
        AtomicInteger garbled = new AtomicInteger();
        // The first element of every answer becomes something that is not a task, and junk is appended.
        URI upstream = garble(body -> {
            String text = new String(body, StandardCharsets.UTF_8);
            int end = elementEnd(text);
            if (end < 0) {
                return body;
            }
            garbled.incrementAndGet();
            return ("[{\"unexpected\":true}" + text.substring(end, text.length() - 1) + ",\"junk\",42,null]")
                    .getBytes(StandardCharsets.UTF_8);
        });

        Tracked tracked = track(ids, Map.of("TRACKER_MAX_MALFORMED_POLLS", "2"), upstream);

        assertThat(garbled).as("answers garbled").hasPositiveValue();
        assertThat(tracked.results().values()).hasSize(ids.size())
                .allSatisfy(result -> assertThat(result.outcome()).as(result.taskId()).isEqualTo(Outcome.SUCCEEDED));
        assertThat(ids.stream().filter(id -> simulator.stats().fetchCount(id) > 0))
                .as("tasks asked alone (their element was garbled)").isNotEmpty();
    }

    @Test
    void unreadableBatchAnswersFailNoTaskAndLeadToSingleFetches() {
        simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false));
        List<String> ids = tasks(30, Duration.ofSeconds(2));
        AtomicInteger cut = new AtomicInteger();
        URI upstream = garble(body -> {
            cut.incrementAndGet();
            return java.util.Arrays.copyOf(body, Math.max(1, body.length / 2));
        });

        // Were a batch's failure counted as each task's unreadable answer, two would fail every task.
        Tracked tracked = track(ids, Map.of("TRACKER_MAX_MALFORMED_POLLS", "2"), upstream);

        assertThat(tracked.results().values()).hasSize(ids.size())
                .allSatisfy(result -> assertThat(result.outcome()).as(result.taskId()).isEqualTo(Outcome.SUCCEEDED));
        assertThat(cut).as("batch answers cut short").hasPositiveValue();
        assertThat(tracked.batchSize()).as("single fetches after three unreadable answers in a row").isEqualTo(1);
    }

    /** The index just past the first element of a JSON array of objects, or -1 where it has none. */
    private static int elementEnd(String array) {
        int depth = 0;
        for (int i = 1; i < array.length(); i++) {
            char c = array.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i + 1;
            }
        }
        return -1;
    }

    /**
     * A proxy in front of the simulator that passes single fetches through and rewrites the body of every
     * successful batch answer.
     */
    private URI garble(UnaryOperator<byte[]> rewrite) {
        HttpClient client = HttpClient.newHttpClient();
        try {
            garbler = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        garbler.createContext("/", exchange -> forward(exchange, client, rewrite));
        garbler.start();
        return URI.create("http://127.0.0.1:" + garbler.getAddress().getPort());
    }

    private void forward(HttpExchange exchange, HttpClient client, UnaryOperator<byte[]> rewrite) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            byte[] requestBody = in.readAllBytes();
            HttpRequest.Builder request = HttpRequest.newBuilder(simulator.baseUrl().resolve(exchange.getRequestURI().toString()));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!List.of("host", "content-length", "connection").contains(name.toLowerCase(java.util.Locale.ROOT))) {
                    values.forEach(value -> request.header(name, value));
                }
            });
            request.method(exchange.getRequestMethod(), requestBody.length == 0
                    ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(requestBody));
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            byte[] body = response.body();
            if (exchange.getRequestMethod().equals("POST") && response.statusCode() == 200) {
                body = rewrite.apply(body);
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
