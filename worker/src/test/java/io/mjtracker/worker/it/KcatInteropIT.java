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
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An outside client speaks to the worker: kcat (librdkafka, not the Java client) produces the ids and
 * reads the results with read_committed. CI installs kcat; where it is missing the test is skipped,
 * except with {@code CI=true}, where that fails it.
 */
@ExtendWith(KafkaBrokerExtension.class)
class KcatInteropIT {

    /** No result for this long after the last one: the worker has published all it will. */
    private static final Duration QUIET = Duration.ofSeconds(3);

    private final KafkaBroker broker;

    KcatInteropIT(KafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void kcatProducesIdsAndReadsExactlyOneResultEach() throws Exception {
        RequiredTool.require("kcat", "-V", "apt-get install kcat");
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

                // No -c and no -e: kcat reads on, so a duplicate published after the last expected result
                // shows up; the test stops it once the topic has been quiet for a while.
                Process consumer = new ProcessBuilder("kcat", "-C", "-u", "-q", "-b", broker.bootstrapServers(), "-t", topics.completed,
                        "-X", "isolation.level=read_committed", "-o", "beginning", "-f", "%k\\t%s\\n")
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                List<String> lines = new CopyOnWriteArrayList<>();
                AtomicLong lastLineAt = new AtomicLong(System.nanoTime());
                Thread reader = Thread.ofVirtual().start(() -> {
                    try (var out = consumer.inputReader(StandardCharsets.UTF_8)) {
                        out.lines().forEach(line -> {
                            lines.add(line);
                            lastLineAt.set(System.nanoTime());
                        });
                    } catch (IOException | java.io.UncheckedIOException stopped) {
                        // kcat was stopped: the lines read so far are the answer.
                    }
                });
                try {
                    await().atMost(Duration.ofSeconds(60)).until(() -> lines.size() >= ids.size());
                    await().atMost(Duration.ofSeconds(60)).until(() -> System.nanoTime() - lastLineAt.get() >= QUIET.toNanos());
                } finally {
                    consumer.destroy();
                    consumer.waitFor(10, TimeUnit.SECONDS);
                    reader.join(Duration.ofSeconds(10));
                }

                ObjectMapper mapper = new ObjectMapper();
                List<String> keys = new ArrayList<>();
                for (String line : lines) {
                    String[] parts = line.split("\t", 2);
                    JsonNode result = mapper.readTree(parts[1]);
                    assertThat(result.get("taskId").asText()).isEqualTo(parts[0]);
                    assertThat(result.get("outcome").asText()).isEqualTo("SUCCEEDED");
                    assertThat(result.at("/metadata/via").asText()).isEqualTo("kcat");
                    keys.add(parts[0]);
                }
                assertThat(keys).as("one result per request, read until the topic was quiet for %s", QUIET)
                        .hasSize(ids.size()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
            }
        }
    }
}
