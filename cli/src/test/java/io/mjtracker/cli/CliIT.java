package io.mjtracker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaBroker;
import io.mjtracker.testkit.KafkaBrokerExtension;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** The commands producers and consumers use, against a real broker and a running worker. */
@ExtendWith(KafkaBrokerExtension.class)
class CliIT {

    private final KafkaBroker broker;

    CliIT(KafkaBroker broker) {
        this.broker = broker;
    }

    private record Run(int exit, String err) {}

    private Run run(String... args) {
        CommandLine commandLine = MjTracker.commandLine();
        StringWriter err = new StringWriter();
        commandLine.setErr(new PrintWriter(err));
        return new Run(commandLine.execute(args), err.toString());
    }

    @Test
    void submitThenWatchExitsZeroWhenAllSucceededAndOneWhenAnyDidNot() {
        String prefix = "cli" + System.nanoTime();
        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false))) {
            Map<String, String> env = TestSetup.workerEnv(broker.bootstrapServers(), simulator.baseUrl().toString(), prefix);
            String ok1 = simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(500)));
            String ok2 = simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(800)));
            String bad = simulator.createTask(TaskScript.failsAfter(Duration.ZERO, Duration.ofMillis(500), "nope"));
            String[] topics = TestSetup.topicOptions(broker.bootstrapServers(), prefix);

            try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
                assertThat(run(TestSetup.concat(new String[] {"submit", "-m", "{\"user\":\"cli\"}", ok1, ok2, bad}, topics)).exit()).isZero();

                assertThat(run(TestSetup.concat(new String[] {"watch", "--timeout", "60s", ok1, ok2}, topics)).exit()).isZero();
                assertThat(run(TestSetup.concat(new String[] {"watch", "--timeout", "60s", ok1, bad}, topics)).exit()).isEqualTo(1);
                assertThat(run(TestSetup.concat(new String[] {"watch", "--timeout", "1s", "never-submitted"}, topics)).exit()).isEqualTo(3);
                // Without ids it follows everything for the time asked, a failed task among them: that is no timeout.
                assertThat(run(TestSetup.concat(new String[] {"watch", "--from-beginning", "--timeout", "2s"}, topics)).exit())
                        .isZero();
            }
        }
    }

    @Test
    void submitWatchAndRunReadTheWorkersConfigFile(@TempDir Path dir) throws Exception {
        String prefix = "clifile" + System.nanoTime();
        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false))) {
            Map<String, String> settings = TestSetup.workerEnv(broker.bootstrapServers(), simulator.baseUrl().toString(), prefix);
            Path file = dir.resolve("worker.properties");
            Properties properties = new Properties();
            properties.putAll(settings);
            try (var writer = Files.newBufferedWriter(file)) {
                properties.store(writer, "every setting in the file, none in the environment");
            }
            Map<String, String> env = Map.of("TRACKER_CONFIG_FILE", file.toString());
            String task = simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(500)));

            try (CommandProcess worker = CommandProcess.cli("file-run", env, "run")) {
                // The plain worker, not the demo with its own broker and simulator.
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> worker.output().contains("mj-tracker started: group " + prefix));
                assertThat(worker.output()).doesNotContain("embedded Kafka", "simulated");

                try (CommandProcess submit = CommandProcess.cli("file-submit", env, "submit", task)) {
                    assertThat(submit.awaitExit(Duration.ofSeconds(60))).as(submit.output()).isZero();
                    assertThat(submit.output()).contains("to " + prefix + ".in");
                }
                try (CommandProcess watch = CommandProcess.cli("file-watch", env, "watch", "--timeout", "60s", task)) {
                    assertThat(watch.awaitExit(Duration.ofSeconds(90))).as(watch.output()).isZero();
                }
            }
        }
    }

    @Test
    void badInputIsNamedAndNothingIsSent() throws Exception {
        String topic = "cli-bad-" + System.nanoTime();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);

            // A valid id before the bad one: nothing may be produced before the whole input is checked.
            Run invalid = run("submit", "--bootstrap", broker.bootstrapServers(), "--input-topic", topic, "123", "a/b");
            Run metadata = run("submit", "--bootstrap", broker.bootstrapServers(), "--input-topic", topic, "-m", "[1]", "123");

            assertThat(invalid.exit()).isEqualTo(1);
            assertThat(invalid.err()).contains("invalid id", "a/b");
            assertThat(metadata.exit()).isEqualTo(1);
            assertThat(metadata.err()).contains("--metadata must be a JSON object");
            // submit waits for the broker's acknowledgement of what it sends, so anything sent is there now.
            TopicPartition partition = new TopicPartition(topic, 0);
            long end = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition).get(30, TimeUnit.SECONDS).offset();
            assertThat(end).as("records on %s after rejected submits", topic).isZero();
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"run", "submit", "watch"}) {
            CommandLine commandLine = MjTracker.commandLine();
            StringWriter out = new StringWriter();
            commandLine.setOut(new PrintWriter(out));
            assertThat(commandLine.execute(command, "--help")).isZero();
            assertThat(out.toString()).as(command).contains("Usage: mj-tracker " + command);
        }
    }
}
