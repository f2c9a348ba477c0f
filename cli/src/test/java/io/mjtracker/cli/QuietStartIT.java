package io.mjtracker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaBroker;
import io.mjtracker.testkit.KafkaBrokerExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every command, started in its own JVM from the packaged jars as a user starts it, prints only its
 * own lines: no logback status, no Kafka storage-format lines, no JVM warnings.
 */
@ExtendWith(KafkaBrokerExtension.class)
class QuietStartIT {

    private static final Duration START = Duration.ofSeconds(60);

    private final KafkaBroker broker;

    QuietStartIT(KafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void localRunPrintsOnlyItsOwnLines() throws InterruptedException {
        try (CommandProcess run = CommandProcess.cli("run", Map.of(), "run", "--tasks", "1")) {
            assertThat(run.awaitExit(Duration.ofSeconds(120))).as(run.output()).isZero();

            assertThat(run.lines().getFirst()).isEqualTo("starting an embedded Kafka broker (KRaft)...");
            assertThat(run.output()).doesNotContainPattern(CommandProcess.NOISE).contains("1/1 finished");
        }
    }

    @Test
    void configurationErrorIsTheFirstLine() throws InterruptedException {
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "MJ_API_BASE_URL", "ftp://x");
        try (CommandProcess run = CommandProcess.cli("run-bad-config", env, "run")) {
            assertThat(run.awaitExit(START)).isEqualTo(2);

            assertThat(run.lines().getFirst()).isEqualTo("mj-tracker: invalid configuration:");
            assertThat(run.output()).doesNotContainPattern(CommandProcess.NOISE).contains("MJ_API_BASE_URL must be");
        }
    }

    @Test
    void workerSubmitAndWatchPrintOnlyTheirOwnLines() throws InterruptedException {
        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false))) {
            String prefix = "quiet" + System.nanoTime();
            String id = simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(500)));
            String[] topics = TestSetup.topicOptions(broker.bootstrapServers(), prefix);
            try (CommandProcess worker = CommandProcess.worker("worker-text", workerEnv(prefix, simulator))) {
                await().atMost(START).until(() -> worker.output().contains("mj-tracker started"));
                try (CommandProcess submit = CommandProcess.cli("submit", Map.of(), TestSetup.concat(new String[] {"submit", id}, topics));
                        CommandProcess watch = CommandProcess.cli("watch", Map.of(), TestSetup.concat(new String[] {"watch", "--timeout", "60s", id}, topics))) {
                    assertThat(submit.awaitExit(START)).as(submit.output()).isZero();
                    assertThat(watch.awaitExit(Duration.ofSeconds(90))).as(watch.output()).isZero();

                    assertThat(submit.output()).doesNotContainPattern(CommandProcess.NOISE);
                    assertThat(watch.output()).doesNotContainPattern(CommandProcess.NOISE);
                }
                worker.close();
                // zstd-jni loaded its native library for the status producer: the manifest allowed it.
                assertThat(worker.output()).doesNotContainPattern(CommandProcess.NOISE).contains("mj-tracker started");
                // Time, level, the instance that wrote the line, thread.
                assertThat(worker.lines()).allMatch(line -> line.matches("\\d{4}-\\d\\d-\\d\\dT\\S+ (INFO |WARN |ERROR) \\S+ \\[.*"));
            }
        }
    }

    @Test
    void jsonLogFormatWritesOneObjectPerLine() throws Exception {
        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults())) {
            Map<String, String> env = workerEnv("json" + System.nanoTime(), simulator);
            env.put("LOG_FORMAT", "json");
            env.put("TRACKER_INSTANCE_ID", "worker-json-1");
            try (CommandProcess worker = CommandProcess.worker("worker-json", env)) {
                await().atMost(START).until(() -> worker.output().contains("mj-tracker started"));
                worker.close();

                ObjectMapper json = new ObjectMapper();
                assertThat(worker.lines()).isNotEmpty().allSatisfy(line -> {
                    JsonNode event = json.readTree(line);
                    assertThat(event.isObject()).as(line).isTrue();
                    assertThat(event.path("level").asText()).as(line).isNotEmpty();
                    assertThat(event.path("logger").asText()).as(line).startsWith("io.mjtracker");
                    assertThat(event.path("instance").asText()).as(line).isEqualTo("worker-json-1");
                });
                assertThat(worker.lines()).anyMatch(line -> line.contains("\"message\":\"mj-tracker started"));
            }
        }
    }

    @Test
    void helpAndSimulatorPrintOnlyTheirOwnLines() throws InterruptedException {
        try (CommandProcess help = CommandProcess.cli("help", Map.of(), "--help")) {
            assertThat(help.awaitExit(START)).isZero();
            assertThat(help.lines().getFirst()).startsWith("Usage: mj-tracker");
            // The one-line description of run is a whole sentence, not the first line of a longer text.
            assertThat(help.output().replaceAll("\\s+", " ")).contains("run Run the worker (with a local broker, simulator and "
                    + "sample tasks where none is configured).");
        }
        try (CommandProcess simulator = CommandProcess.cli("simulator", Map.of(), "simulator", "--port", "0")) {
            await().atMost(START).until(() -> simulator.output().contains("simulator listening"));
            assertThat(simulator.lines().getFirst()).startsWith("simulator listening at http://");
            assertThat(simulator.output()).doesNotContainPattern(CommandProcess.NOISE);
        }
    }

    private Map<String, String> workerEnv(String prefix, UpstreamSimulator simulator) {
        Map<String, String> env = TestSetup.workerEnv(broker.bootstrapServers(), simulator.baseUrl().toString(), prefix);
        env.put("TRACKER_TOPIC_PARTITIONS", "2");
        return env;
    }
}
