package io.mjtracker.worker.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mjtracker.worker.config.LogSettings;
import io.mjtracker.worker.config.LogSettings.LogLevel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The log settings applied to this JVM's logback, with standard output captured; the test configuration is restored after. */
class LogSetupTest {

    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private PrintStream stdout;

    @BeforeEach
    void captureStandardOutput() {
        stdout = System.out;
        System.setOut(new PrintStream(written, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() throws JoranException {
        System.setOut(stdout);
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        new ContextInitializer(context).autoConfig();
    }

    private List<String> lines() {
        return written.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void levelsApplyToTheRootAndToNamedLoggersAndTheirChildren() {
        assertThat(LogSetup.apply(new LogSettings(false, LogLevel.WARN,
                Map.of("io.mjtracker.worker.tracking", LogLevel.DEBUG, "org.apache.kafka", LogLevel.ERROR)), "w-1")).isTrue();

        LoggerFactory.getLogger("io.mjtracker.worker.tracking.Tracker").debug("tracker debug");
        LoggerFactory.getLogger("io.mjtracker.worker.intake.IntakeLoop").info("intake info");
        LoggerFactory.getLogger("io.mjtracker.worker.intake.IntakeLoop").warn("intake warn");
        LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient").warn("kafka warn");

        assertThat(lines()).hasSize(2);
        assertThat(lines().get(0)).matches("\\S+Z DEBUG w-1 \\[\\S+] i\\.m\\.worker\\.tracking\\.Tracker - tracker debug");
        assertThat(lines().get(1)).contains(" WARN  w-1 ").endsWith("intake warn");
    }

    @Test
    void jsonLinesNameTheInstanceAndTheTask() throws Exception {
        LogSetup.apply(new LogSettings(true, LogLevel.INFO, Map.of()), "w-2");

        Logger logger = LoggerFactory.getLogger("io.mjtracker.worker.tracking.Tracker");
        logger.atWarn().addKeyValue("task_id", "t-9").log("task {} late", "t-9");
        // Without a LOG_LEVELS entry for them, the Kafka clients log at the root's level (the default entry is replaced).
        LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient").info("kafka info");

        assertThat(lines()).hasSize(2);
        var json = new ObjectMapper().readTree(lines().get(0));
        assertThat(json.get("instance").asText()).isEqualTo("w-2");
        assertThat(json.get("task_id").asText()).isEqualTo("t-9");
        assertThat(json.get("message").asText()).isEqualTo("task t-9 late");
    }
}
