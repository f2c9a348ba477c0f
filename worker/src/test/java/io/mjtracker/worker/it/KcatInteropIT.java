package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
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
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An outside client speaks to the worker: kcat (librdkafka, not the Java client) produces the ids and
 * reads the results with read_committed. CI installs kcat; where it is missing the test is skipped.
 */
@ExtendWith(KafkaBrokerExtension.class)
class KcatInteropIT {

    private final KafkaBroker broker;

    KcatInteropIT(KafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void kcatProducesIdsAndReadsExactlyOneResultEach() throws Exception {
        assumeTrue(onPath("kcat"), "kcat is not installed (apt-get install kcat)");
        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false))) {
            TestTopics topics = new TestTopics(broker);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(500 + i * 50L))));
            }
            try (Worker worker = Worker.start(WorkerConfigLoader.load(topics.workerEnv(simulator)))) {
                Process producer = new ProcessBuilder("kcat", "-P", "-b", broker.bootstrapServers(), "-t", topics.input, "-K", "\t")
                        .redirectErrorStream(true).start();
                try (OutputStream stdin = producer.getOutputStream()) {
                    for (String id : ids) {
                        stdin.write((id + "\t{\"id\":\"" + id + "\",\"via\":\"kcat\"}\n").getBytes(StandardCharsets.UTF_8));
                    }
                }
                assertThat(producer.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(producer.exitValue()).as(new String(producer.getInputStream().readAllBytes())).isZero();

                Process consumer = new ProcessBuilder("kcat", "-C", "-b", broker.bootstrapServers(), "-t", topics.completed,
                        "-X", "isolation.level=read_committed", "-o", "beginning", "-c", Integer.toString(ids.size()),
                        "-f", "%k\\t%s\\n").start();
                assertThat(consumer.waitFor(60, TimeUnit.SECONDS)).as("kcat read %d results", ids.size()).isTrue();
                List<String> lines = new String(consumer.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();

                ObjectMapper mapper = new ObjectMapper();
                assertThat(lines).hasSize(ids.size());
                List<String> keys = new ArrayList<>();
                for (String line : lines) {
                    String[] parts = line.split("\t", 2);
                    JsonNode result = mapper.readTree(parts[1]);
                    assertThat(result.get("taskId").asText()).isEqualTo(parts[0]);
                    assertThat(result.get("outcome").asText()).isEqualTo("SUCCEEDED");
                    assertThat(result.at("/metadata/via").asText()).isEqualTo("kcat");
                    keys.add(parts[0]);
                }
                assertThat(keys).containsExactlyInAnyOrderElementsOf(ids);
            }
        }
    }

    private static boolean onPath(String command) {
        try {
            return new ProcessBuilder(command, "-V").start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
