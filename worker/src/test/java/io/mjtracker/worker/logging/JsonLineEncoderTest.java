package io.mjtracker.worker.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

class JsonLineEncoderTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final Logger logger = context().getLogger("io.mjtracker.worker.tracking.Tracker");

    private static LoggerContext context() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        return context;
    }

    private LoggingEvent event(Level level, String message, Throwable error, Object... arguments) {
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, level, message, error, arguments);
        event.setThreadName("dispatcher");
        event.setInstant(Instant.parse("2026-12-04T23:50:01.123456Z"));
        return event;
    }

    @Test
    void aLineCarriesTheFieldsAShipperMapsAndTheKeyValuesOfTheEvent() throws Exception {
        LoggingEvent event = event(Level.WARN, "task {} was left unscheduled", null, "t-1");
        event.addKeyValuePair(new KeyValuePair("task_id", "t-1"));
        event.addKeyValuePair(new KeyValuePair("upstream", "comet"));
        event.addKeyValuePair(new KeyValuePair("message", "a key-value pair never replaces a field of every line"));

        byte[] bytes = new JsonLineEncoder("worker-7").encode(event);
        String line = new String(bytes, StandardCharsets.UTF_8);
        JsonNode json = mapper.readTree(line);

        assertThat(line).endsWith("}\n").doesNotContain("\n{");
        assertThat(json.properties()).extracting(java.util.Map.Entry::getKey)
                .containsExactly("timestamp", "level", "logger", "thread", "instance", "message", "task_id", "upstream");
        assertThat(json.get("timestamp").asText()).isEqualTo("2026-12-04T23:50:01.123Z");
        assertThat(json.get("level").asText()).isEqualTo("WARN");
        assertThat(json.get("logger").asText()).isEqualTo("io.mjtracker.worker.tracking.Tracker");
        assertThat(json.get("thread").asText()).isEqualTo("dispatcher");
        assertThat(json.get("instance").asText()).isEqualTo("worker-7");
        assertThat(json.get("message").asText()).isEqualTo("task t-1 was left unscheduled");
        assertThat(json.get("task_id").asText()).isEqualTo("t-1");
        assertThat(json.get("upstream").asText()).isEqualTo("comet");
    }

    @Test
    void anErrorsStackTraceIsOneFieldOfTheSameLine() throws Exception {
        IllegalStateException error = new IllegalStateException("answer \"odd\"\nsecond line");

        String line = new String(new JsonLineEncoder().encode(event(Level.ERROR, "failed", error)), StandardCharsets.UTF_8);
        JsonNode json = mapper.readTree(line);

        assertThat(line.strip()).doesNotContain("\n");
        assertThat(json.has("instance")).as("no instance where none is known (the command line)").isFalse();
        assertThat(json.get("exception").asText())
                .startsWith("java.lang.IllegalStateException: answer \"odd\"\nsecond line")
                .contains("at io.mjtracker.worker.logging.JsonLineEncoderTest");
    }
}
