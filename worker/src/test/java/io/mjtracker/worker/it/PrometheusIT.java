package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaBroker;
import io.mjtracker.testkit.KafkaBrokerExtension;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus scrapes a worker that is tracking tasks; every query of the Grafana dashboard must
 * return data and every alert expression must be valid. CI installs Prometheus; without it the test is
 * skipped.
 */
@ExtendWith(KafkaBrokerExtension.class)
class PrometheusIT {

    private static final Path DEPLOY = Path.of("..", "deploy");
    private final KafkaBroker broker;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper mapper = new ObjectMapper();

    PrometheusIT(KafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void everyDashboardQueryReturnsDataAndEveryAlertExpressionIsValid(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("prometheus"), "prometheus is not installed (apt-get install prometheus)");
        List<String> dashboard = dashboardExpressions();
        List<String> alerts = alertExpressions();
        assertThat(dashboard).hasSizeGreaterThan(15);
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(5);

        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false))) {
            TestTopics topics = new TestTopics(broker);
            Map<String, String> env = topics.workerEnv(simulator);
            env.put("METRICS_PORT", "0");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(300 + i * 200L))));
            }
            try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
                topics.produceIds(ids);
                topics.produce(List.of(new byte[0]));
                int port = freePort();
                Files.writeString(dir.resolve("prometheus.yml"), """
                        global:
                          scrape_interval: 1s
                          evaluation_interval: 1s
                        rule_files: [alerts.yml]
                        scrape_configs:
                          - job_name: mj-tracker
                            static_configs:
                              - targets: ["127.0.0.1:%d"]
                        """.formatted(worker.metricsPort()));
                Files.copy(DEPLOY.resolve("prometheus/alerts.yml"), dir.resolve("alerts.yml"));
                Process prometheus = new ProcessBuilder("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
                try {
                    String base = "http://127.0.0.1:" + port;
                    topics.read(topics.completed, ids.size(), Duration.ofSeconds(60), Duration.ZERO);
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                            .until(() -> !result(base, "mjtracker_tasks_finished_total").isEmpty());
                    // The GC-pause panel has data once the JVM has collected at least once; a short test
                    // run may not have, so ask for a collection (the worker runs in this JVM).
                    System.gc();
                    // rate() over a 1m window needs a few samples after the work.
                    await().pollDelay(Duration.ofSeconds(5)).until(() -> true);

                    for (String expression : dashboard) {
                        assertThat(result(base, expression)).as("dashboard query returns data: %s", expression).isNotEmpty();
                    }
                    for (String expression : alerts) {
                        query(base, expression); // throws on an invalid expression
                    }
                    assertThat(result(base, "mjtracker_tasks_received_total{application=\"mj-tracker\"}")).isNotEmpty();
                } finally {
                    prometheus.destroy();
                    prometheus.waitFor();
                }
            }
        }
    }

    @Test
    void promtoolAcceptsTheConfigTheRulesAndTheRuleTests() throws Exception {
        assumeTrue(onPath("promtool"), "promtool is not installed (apt-get install prometheus)");
        for (List<String> check : List.of(
                List.of("promtool", "check", "config", DEPLOY.resolve("prometheus/prometheus.yml").toString()),
                List.of("promtool", "check", "config", DEPLOY.resolve("k8s/prometheus-scrape.yml").toString()),
                List.of("promtool", "check", "rules", DEPLOY.resolve("prometheus/alerts.yml").toString()),
                List.of("promtool", "test", "rules", DEPLOY.resolve("prometheus/alerts_test.yml").toString()))) {
            Process process = new ProcessBuilder(check).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor()).as("%s:%n%s", String.join(" ", check), output).isZero();
        }
    }

    private List<String> dashboardExpressions() throws IOException {
        JsonNode dashboard = mapper.readTree(DEPLOY.resolve("grafana/dashboards/mj-tracker.json").toFile());
        List<String> expressions = new ArrayList<>();
        dashboard.get("panels").forEach(panel -> panel.get("targets").forEach(target -> expressions.add(target.get("expr").asText())));
        return expressions;
    }

    private List<String> alertExpressions() throws IOException {
        Matcher matcher = Pattern.compile("(?m)^\\s+expr: (.+)$").matcher(Files.readString(DEPLOY.resolve("prometheus/alerts.yml")));
        List<String> expressions = new ArrayList<>();
        while (matcher.find()) {
            expressions.add(matcher.group(1).strip());
        }
        return expressions;
    }

    private JsonNode result(String base, String expression) throws Exception {
        return query(base, expression).at("/data/result");
    }

    private JsonNode query(String base, String expression) throws Exception {
        URI uri = URI.create(base + "/api/v1/query?query=" + URLEncoder.encode(expression, StandardCharsets.UTF_8));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = mapper.readTree(response.body());
        assertThat(body.path("status").asText()).as("%s: %s", expression, response.body()).isEqualTo("success");
        return body;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static boolean onPath(String command) {
        try {
            return new ProcessBuilder(command, "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
