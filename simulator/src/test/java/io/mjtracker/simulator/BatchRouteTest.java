package io.mjtracker.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mjtracker.testkit.MutableClock;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The batch route against the real server: what it answers, what it refuses, what it costs and records. */
class BatchRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TaskScript RUNNING = TaskScript.succeedsAfter(Duration.ZERO, Duration.ofSeconds(20));

    private final HttpClient http = HttpClient.newHttpClient();
    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private UpstreamSimulator simulator;

    @AfterEach
    void stop() {
        if (simulator != null) {
            simulator.close();
        }
    }

    private UpstreamSimulator start(SimulatorConfig config) {
        simulator = UpstreamSimulator.start(config);
        return simulator;
    }

    private SimulatorConfig config() {
        return SimulatorConfig.defaults().withAutoCreate(false).withClock(clock);
    }

    @Test
    void answersTheKnownTasksAmongTheIdsEachAsItsFetchWould() throws Exception {
        start(config());
        simulator.createTask("comet", RUNNING);
        simulator.createTask("newapi", TaskScript.failsAfter(Duration.ZERO, Duration.ofSeconds(1), "Banned prompt").withDialect(Dialect.NEWAPI));
        simulator.createTask("fork", RUNNING.withDialect(Dialect.FORK));
        simulator.createTask("hidden", RUNNING.invisibleFor(Duration.ofMinutes(1), NotFoundStyle.NULL_200));
        clock.advance(Duration.ofSeconds(5));

        HttpResponse<String> response = batch("/mj/task/list-by-condition", ids("comet", "unknown", "newapi", "hidden", "fork"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        Map<String, JsonNode> byId = byId(response);
        assertThat(byId).containsOnlyKeys("comet", "newapi", "fork");
        for (String id : byId.keySet()) {
            assertThat(byId.get(id)).as(id).isEqualTo(JSON.readTree(get("/mj/task/" + id + "/fetch").body()));
        }
        assertThat(byId.get("newapi").get("status").asText()).isEqualTo("FAILURE");
        assertThat(byId.get("comet").get("progress").asText()).isEqualTo("25%");
    }

    @Test
    void answersTheAliasListByIdsAlike() throws Exception {
        start(config());
        simulator.createTask("a", RUNNING);

        HttpResponse<String> response = batch("/mj/task/list-by-ids", ids("a", "b"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(byId(response)).containsOnlyKeys("a");
    }

    @Test
    void doesNotKeepTheOrderAsked() throws Exception {
        start(config());
        List<String> asked = IntStream.range(0, 20).mapToObj(i -> "t" + i).toList();
        asked.forEach(id -> simulator.createTask(id, RUNNING));

        List<String> answered = new ArrayList<>(byId(batch("/mj/task/list-by-condition", ids(asked.toArray(String[]::new)))).keySet());

        assertThat(answered).containsExactlyInAnyOrderElementsOf(asked).isNotEqualTo(asked);
    }

    @Test
    void aCapSilentlyLeavesOutTheKnownIdsPastIt() throws Exception {
        start(config().withBatch(true, 2));
        List.of("a", "b", "c").forEach(id -> simulator.createTask(id, RUNNING));

        HttpResponse<String> response = batch("/mj/task/list-by-condition", ids("unknown", "a", "a", "b", "c"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(byId(response)).containsOnlyKeys("a", "b");
    }

    @Test
    void aGatewayWithoutTheRouteAnswersAnHtml404() throws Exception {
        start(config().withBatch(false, 0));
        simulator.createTask("a", RUNNING);

        for (String path : BatchRoute.PATHS) {
            HttpResponse<String> response = batch(path, ids("a"));

            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.headers().firstValue("Content-Type")).as(path).hasValue("text/html");
            assertThat(response.body()).as(path).startsWith("<html>");
        }
        assertThat(get("/mj/task/a/fetch").statusCode()).as("single fetches still served").isEqualTo(200);
    }

    @Test
    void aMalformedBodyGetsA400WithCode4() throws Exception {
        start(config());

        for (String body : List.of("", "ids", "[\"a\"]", "{}", "{\"ids\":\"a\"}", "{\"ids\":[1]}", "{\"ids\":[\"a\"]", "{\"ids\":[\"a\"]} x")) {
            HttpResponse<String> response = batch("/mj/task/list-by-condition", body);

            assertThat(response.statusCode()).as(body).isEqualTo(400);
            JsonNode error = JSON.readTree(response.body());
            assertThat(error.get("code").asInt()).as(body).isEqualTo(4);
            assertThat(error.get("description").asText()).as(body).isNotBlank();
        }
    }

    @Test
    void otherMembersOfTheBodyAreIgnored() throws Exception {
        start(config());
        simulator.createTask("a\"1", RUNNING);

        HttpResponse<String> response = batch("/mj/task/list-by-condition",
                "{ \"state\": {\"x\": [1, -2.5e3, true, null, \"]\"]}, \"ids\" : [ \"a\\\"1\" ] , \"page\": 1 }");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(byId(response)).containsOnlyKeys("a\"1");
    }

    @Test
    void aBatchTakesOneTokenFromThe429Bucket() throws Exception {
        // Two tokens that barely refill: ten ids each, two batches pass and the third is refused.
        start(config().withFaults(Faults.NONE.withRateLimit(0.001, 2, true)));
        String[] tenIds = IntStream.range(0, 10).mapToObj(i -> "t" + i).toArray(String[]::new);
        for (String id : tenIds) {
            simulator.createTask(id, RUNNING);
        }

        assertThat(batch("/mj/task/list-by-condition", ids(tenIds)).statusCode()).isEqualTo(200);
        assertThat(batch("/mj/task/list-by-ids", ids(tenIds)).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = batch("/mj/task/list-by-condition", ids(tenIds));

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(get("/mj/task/t0/fetch").statusCode()).as("the bucket is shared with single fetches").isEqualTo(429);
    }

    @Test
    void aWrongKeyGetsA401() throws Exception {
        start(config().withApiKey("right", "Authorization"));
        simulator.createTask("a", RUNNING);

        assertThat(batch("/mj/task/list-by-condition", ids("a"), "Bearer wrong").statusCode()).isEqualTo(401);
        assertThat(batch("/mj/task/list-by-condition", ids("a")).statusCode()).isEqualTo(401);
        assertThat(batch("/mj/task/list-by-condition", ids("a"), "Bearer right").statusCode()).isEqualTo(200);
    }

    @Test
    void withASyncTickTasksChangeOnlyOnTheTick() throws Exception {
        start(config().withRefresh(Duration.ofSeconds(15)));
        clock.advance(Duration.ofSeconds(1));
        simulator.createTask("a", RUNNING);

        clock.advance(Duration.ofSeconds(13));
        assertThat(seen("a")).as("before the first tick: as created").containsExactly("IN_PROGRESS", "0%");
        clock.advance(Duration.ofSeconds(1));
        assertThat(seen("a")).as("at the first tick: as 14 s into its 20 s run").containsExactly("IN_PROGRESS", "70%");
        clock.advance(Duration.ofSeconds(14));
        assertThat(seen("a")).as("just before the second tick").containsExactly("IN_PROGRESS", "70%");
        clock.advance(Duration.ofSeconds(1));
        assertThat(seen("a")).as("at the second tick").containsExactly("SUCCESS", "100%");
    }

    @Test
    void withoutASyncTickTasksChangeAtOnce() throws Exception {
        start(config());
        simulator.createTask("a", RUNNING);

        clock.advance(Duration.ofSeconds(1));

        assertThat(seen("a")).containsExactly("IN_PROGRESS", "5%");
    }

    @Test
    void recordsBatchesAndIdsAskedApartFromSingleFetches() throws Exception {
        start(config());
        simulator.createTask("a", RUNNING);

        get("/mj/task/a/fetch");
        batch("/mj/task/list-by-condition", ids("a", "a", "unknown"));
        batch("/mj/task/list-by-ids", "{\"ids\":");

        SimulatorStats stats = simulator.stats();
        assertThat(stats.totalRequests()).isEqualTo(3);
        assertThat(stats.batchRequests()).isEqualTo(2);
        assertThat(stats.idsAsked()).isEqualTo(3);
        assertThat(stats.fetchCount("a")).as("single fetches only").isEqualTo(1);
        assertThat(stats.byStatus()).containsExactlyInAnyOrderEntriesOf(Map.of(200, 2L, 400, 1L));
        assertThat(JSON.readTree(get("/sim/stats").body()).path("idsAsked").asLong()).isEqualTo(3);
    }

    /** Status and progress of a task as its single fetch and a batch show it, which must agree. */
    private List<String> seen(String id) throws IOException, InterruptedException {
        JsonNode fetched = JSON.readTree(get("/mj/task/" + id + "/fetch").body());
        JsonNode batched = byId(batch("/mj/task/list-by-condition", ids(id))).get(id);
        assertThat(batched).as("batch and fetch agree").isEqualTo(fetched);
        return List.of(fetched.get("status").asText(), fetched.get("progress").asText());
    }

    private static String ids(String... ids) throws IOException {
        return JSON.writeValueAsString(Map.of("ids", ids));
    }

    private static Map<String, JsonNode> byId(HttpResponse<String> response) throws IOException {
        JsonNode array = JSON.readTree(response.body());
        assertThat(array.isArray()).as("a bare array: %s", response.body()).isTrue();
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        array.forEach(task -> assertThat(byId.put(task.get("id").asText(), task)).as("each task once").isNull());
        return byId;
    }

    private HttpResponse<String> batch(String path, String body) throws IOException, InterruptedException {
        return batch(path, body, null);
    }

    private HttpResponse<String> batch(String path, String body, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(simulator.baseUrl().resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(simulator.baseUrl().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
