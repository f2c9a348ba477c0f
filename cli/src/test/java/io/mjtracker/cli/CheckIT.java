package io.mjtracker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.mjtracker.worker.check.Finding;
import io.mjtracker.worker.check.Finding.Verdict;
import io.mjtracker.worker.check.Preflight;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaBroker;
import io.mjtracker.testkit.KafkaBrokerExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code mj-tracker check} against a real broker and the simulator, and each way a deployment goes wrong. */
@ExtendWith(KafkaBrokerExtension.class)
class CheckIT {

    private static final String KEY = "sk-check-right-key-4711";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final KafkaBroker broker;

    CheckIT(KafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void everythingInPlaceIsOkAndExitsZero() throws Exception {
        String prefix = "check" + System.nanoTime();
        try (UpstreamSimulator simulator = simulator(); Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(prefix + ".in", Optional.of(3), Optional.empty()))).all().get();

            List<Finding> findings = Preflight.run(env(simulator.baseUrl().toString(), prefix, KEY), TIMEOUT);

            assertThat(findings).extracting(Finding::subject).containsExactly(
                    "configuration", "kafka", "topics", "group", "transactions", "upstream", "api key", "batch route", "latency");
            assertThat(findings).allSatisfy(finding -> assertThat(finding.verdict()).as(finding.format()).isIn(Verdict.OK, Verdict.NOTE));
            assertThat(find(findings, "topics").detail()).contains(prefix + ".in 3", prefix + ".status will be created (12)");
            assertThat(find(findings, "transactions").detail()).contains("mj-tracker-" + prefix + "-check-");
            assertThat(find(findings, "api key").detail()).startsWith("accepted");
            // Whether this simulator serves the batch route or not, it is a note, never a failure.
            assertThat(find(findings, "batch route").verdict()).isEqualTo(Verdict.NOTE);
            assertThat(Preflight.exitStatus(findings)).isZero();
        }
    }

    @Test
    void wrongKeyIsNamedAndNeverPrinted() throws Exception {
        String wrongKey = "sk-wrong-key-0815";
        try (UpstreamSimulator simulator = simulator()) {
            Map<String, String> env = env(simulator.baseUrl().toString(), "check" + System.nanoTime(), wrongKey);
            env.put("MJ_UPSTREAM_COMET_BASE_URL", simulator.baseUrl().toString());
            env.put("MJ_UPSTREAM_COMET_KEY", wrongKey);
            List<Finding> findings = Preflight.run(env, TIMEOUT);

            Finding key = find(findings, "api key");
            assertThat(key.verdict()).isEqualTo(Verdict.FAILED);
            assertThat(key.detail()).contains("rejected", "401");
            assertThat(key.hint()).contains("MJ_API_KEY", "MJ_API_AUTH_HEADER");
            assertThat(find(findings, "api key [comet]").hint()).as("a named profile's own settings")
                    .contains("MJ_UPSTREAM_COMET_KEY", "MJ_UPSTREAM_COMET_AUTH_HEADER").doesNotContain("MJ_API_KEY");
            assertThat(Preflight.exitStatus(findings)).isEqualTo(1);
            assertThat(findings).extracting(Finding::format).noneMatch(line -> line.contains(wrongKey) || line.contains(KEY));
        }
    }

    @Test
    void baseUrlWithTheApiPrefixIsNamed() throws Exception {
        try (UpstreamSimulator simulator = simulator()) {
            List<Finding> findings = Preflight.run(env(simulator.baseUrl() + "/mj", "check" + System.nanoTime(), KEY), TIMEOUT);

            Finding upstream = find(findings, "upstream");
            assertThat(upstream.verdict()).isEqualTo(Verdict.FAILED);
            assertThat(upstream.hint()).contains("drop the trailing /mj");
            assertThat(find(findings, "api key").verdict()).isEqualTo(Verdict.SKIPPED);
            assertThat(Preflight.exitStatus(findings)).isEqualTo(1);
        }
    }

    @Test
    void kafkaDownFailsAndTheKafkaChecksAfterItAreSkipped() throws Exception {
        try (UpstreamSimulator simulator = simulator()) {
            Map<String, String> env = env(simulator.baseUrl().toString(), "check" + System.nanoTime(), KEY);
            env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + closedPort());

            List<Finding> findings = Preflight.run(env, Duration.ofSeconds(2));

            assertThat(find(findings, "kafka").verdict()).isEqualTo(Verdict.FAILED);
            assertThat(find(findings, "kafka").hint()).contains("KAFKA_BOOTSTRAP_SERVERS");
            assertThat(find(findings, "topics").verdict()).isEqualTo(Verdict.SKIPPED);
            assertThat(find(findings, "group").verdict()).isEqualTo(Verdict.SKIPPED);
            assertThat(find(findings, "transactions").verdict()).isEqualTo(Verdict.SKIPPED);
            assertThat(find(findings, "api key").verdict()).isEqualTo(Verdict.OK);
            assertThat(Preflight.exitStatus(findings)).isEqualTo(1);
        }
    }

    @Test
    void upstreamDownFails() throws Exception {
        List<Finding> findings = Preflight.run(env("http://127.0.0.1:" + closedPort(), "check" + System.nanoTime(), KEY), TIMEOUT);

        assertThat(find(findings, "upstream").verdict()).isEqualTo(Verdict.FAILED);
        assertThat(find(findings, "upstream").hint()).contains("MJ_API_BASE_URL");
        assertThat(Preflight.exitStatus(findings)).isEqualTo(1);
    }

    @Test
    void invalidConfigurationStopsAtTheFirstLine() throws Exception {
        Map<String, String> env = env("http://127.0.0.1:1", "check" + System.nanoTime(), KEY);
        env.remove("MJ_API_KEY");
        env.put("TRACKER_MAX_IN_FLIGHT", "0");

        List<Finding> findings = Preflight.run(env, TIMEOUT);

        assertThat(findings).singleElement().satisfies(finding -> {
            assertThat(finding.verdict()).isEqualTo(Verdict.FAILED);
            assertThat(finding.detail()).contains("MJ_API_KEY", "TRACKER_MAX_IN_FLIGHT");
        });
        assertThat(Preflight.exitStatus(findings)).isEqualTo(1);
    }

    @Test
    void batchRouteIsSupportedWhereItAnswersAListAndNotWhereItIsMissing() throws Exception {
        assertThat(batchRouteFinding(200, "[]").detail()).startsWith("supported");
        assertThat(batchRouteFinding(404, "{\"error\":\"not found\"}").detail()).startsWith("not supported: POST /mj/task/list-by-condition answered HTTP 404");
        assertThat(batchRouteFinding(405, "").detail()).startsWith("not supported");
        assertThat(batchRouteFinding(200, "<html>welcome</html>").detail()).startsWith("not supported").contains("HTML");
        assertThat(batchRouteFinding(503, "{}").detail()).startsWith("unknown");
    }

    /** A stand-in API whose single fetch answers not-found and whose batch route answers as given. */
    private Finding batchRouteFinding(int status, String body) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/mj/task/", exchange -> {
            boolean batch = exchange.getRequestURI().getPath().endsWith("/list-by-condition");
            answer(exchange, batch ? status : 404, batch ? body : "{\"error\":{\"message\":\"task not found\"}}");
        });
        server.start();
        try {
            String baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
            List<Finding> findings = Preflight.run(env(baseUrl, "check" + System.nanoTime(), KEY), TIMEOUT);
            assertThat(Preflight.exitStatus(findings)).isZero();
            return find(findings, "batch route");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void commandPrintsOneLinePerCheckAndNeverTheKey() throws Exception {
        String wrongKey = "sk-wrong-key-0816";
        try (UpstreamSimulator simulator = simulator();
                CommandProcess check = CommandProcess.cli("check", env(simulator.baseUrl().toString(), "check" + System.nanoTime(), wrongKey),
                        "check", "--timeout", "5s")) {
            assertThat(check.awaitExit(Duration.ofSeconds(60))).as(check.output()).isEqualTo(1);

            assertThat(check.lines().getFirst()).startsWith("OK      configuration");
            assertThat(check.output()).contains("FAILED  api key", "hint: check MJ_API_KEY")
                    .doesNotContain(wrongKey, KEY).doesNotContainPattern(CommandProcess.NOISE);
        }
    }

    @Test
    void theWorkerJarRunsTheSameCheckAndRefusesOtherArguments() throws Exception {
        // What `docker run <image> check` runs: the image holds the worker jar only.
        try (UpstreamSimulator simulator = simulator();
                CommandProcess check = CommandProcess.worker("worker-check", env(simulator.baseUrl().toString(), "check" + System.nanoTime(), KEY), "check");
                CommandProcess other = CommandProcess.worker("worker-other", Map.of(), "chekc")) {
            assertThat(check.awaitExit(Duration.ofSeconds(60))).as(check.output()).isZero();
            assertThat(check.lines().getFirst()).startsWith("OK      configuration");
            assertThat(check.output()).contains("OK      api key", "the worker would run with this configuration")
                    .doesNotContain(KEY).doesNotContainPattern(CommandProcess.NOISE);

            assertThat(other.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
            assertThat(other.output()).contains("unknown arguments chekc", "'check'");
        }
    }

    private Map<String, String> env(String baseUrl, String prefix, String key) {
        Map<String, String> env = TestSetup.workerEnv(broker.bootstrapServers(), baseUrl, prefix);
        env.put("MJ_API_KEY", key);
        return env;
    }

    private static UpstreamSimulator simulator() {
        return UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false).withApiKey(KEY, "Authorization"));
    }

    private static Finding find(List<Finding> findings, String subject) {
        return findings.stream().filter(finding -> finding.subject().equals(subject)).findFirst()
                .orElseThrow(() -> new AssertionError("no finding on " + subject + " in " + findings));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                exchange.getResponseBody().write(bytes);
            }
        }
    }
}
