package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
 * return finite values and every alert expression must be valid; promtool's rule tests make each alert
 * fire. CI installs Prometheus; without it the tests are skipped, except with {@code CI=true}, where
 * that fails them.
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
        RequiredTool.require("prometheus", "--version", "apt-get install prometheus");
        List<String> dashboard = dashboardExpressions();
        List<String> alerts = alertExpressions();
        assertThat(dashboard).hasSizeGreaterThan(15);
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(5);

        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false))) {
            TestTopics topics = new TestTopics(broker);
            Map<String, String> env = topics.workerEnv(simulator);
            env.put("METRICS_PORT", "0");
            // Hooks on, so that the hook panels have their series (no hook arrives: their rates are 0).
            env.put("MJ_API_HOOK_TOKEN", "prometheus-it-hook-token");
            env.put("HOOK_PORT", "0");
            env.put("TRACKER_HINTS_TOPIC", topics.prefix + ".hints");
            try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
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
                    await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                            .until(() -> http.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(),
                                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
                    // The work starts once Prometheus scrapes the worker, so that every counter and
                    // histogram rises between scrapes: a rate over samples that never change is 0, and a
                    // quantile of it NaN.
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                            .until(() -> values(base, "up{job=\"mj-tracker\"}").contains(1.0));
                    List<String> ids = new ArrayList<>();
                    for (int i = 0; i < 30; i++) {
                        ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(2000 + i * 200L))));
                    }
                    topics.produceIds(ids);
                    topics.produce(List.of(new byte[0]));
                    topics.read(topics.completed, ids.size(), Duration.ofSeconds(60), Duration.ZERO);
                    // The GC-pause panel has data once the JVM has collected at least once; a short test
                    // run may not have, so ask for a collection (the worker runs in this JVM).
                    System.gc();
                    // rate() and histogram_quantile() need a few scrapes after the work: wait until every
                    // panel shows a number. NaN (a quantile of no observations, a rate of one sample) is no data.
                    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        for (String expression : dashboard) {
                            assertThat(values(base, expression)).as("dashboard query returns finite values: %s", expression)
                                    .isNotEmpty().allSatisfy(value -> assertThat(value).isFinite());
                        }
                    });
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

    /** promtool's rule tests evaluate each alert on made-up series; each alert needs a case where it must fire. */
    @Test
    void everyAlertHasARuleTestWhereItFires() throws IOException {
        Matcher rules = Pattern.compile("(?m)^\\s+- alert: (\\S+)$").matcher(Files.readString(DEPLOY.resolve("prometheus/alerts.yml")));
        List<String> alertNames = new ArrayList<>();
        while (rules.find()) {
            alertNames.add(rules.group(1));
        }
        Matcher firing = Pattern.compile("(?m)^\\s+alertname: (\\S+)\\n\\s+exp_alerts:\\n\\s+- exp_labels:")
                .matcher(Files.readString(DEPLOY.resolve("prometheus/alerts_test.yml")));
        List<String> firingCases = new ArrayList<>();
        while (firing.find()) {
            firingCases.add(firing.group(1));
        }

        assertThat(alertNames).hasSizeGreaterThanOrEqualTo(5);
        assertThat(firingCases).as("alerts with a rule test where they fire").containsAll(alertNames);
    }

    @Test
    void promtoolAcceptsTheConfigTheRulesAndTheRuleTests() throws Exception {
        RequiredTool.require("promtool", "--version", "apt-get install prometheus");
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
        // Grafana sends the upstream variable's "All" as its allValue, .*
        dashboard.get("panels").forEach(panel -> panel.get("targets").forEach(target ->
                expressions.add(target.get("expr").asText().replace("$upstream", ".*"))));
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

    /** The sample values of an instant query (NaN and infinities as Prometheus reports them). */
    private List<Double> values(String base, String expression) throws Exception {
        List<Double> values = new ArrayList<>();
        result(base, expression).forEach(series -> values.add(Double.parseDouble(series.at("/value/1").asText())));
        return values;
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
}
