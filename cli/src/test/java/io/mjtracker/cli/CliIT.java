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
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
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
            }
        }
    }

    @Test
    void badInputIsNamedAndNothingIsSent() {
        Run invalid = run("submit", "--bootstrap", broker.bootstrapServers(), "a/b");
        Run metadata = run("submit", "--bootstrap", broker.bootstrapServers(), "-m", "[1]", "123");

        assertThat(invalid.exit()).isEqualTo(1);
        assertThat(invalid.err()).contains("invalid id", "a/b");
        assertThat(metadata.exit()).isEqualTo(1);
        assertThat(metadata.err()).contains("--metadata must be a JSON object");
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
