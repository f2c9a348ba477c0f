package io.mjtracker.common.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every example the providers document parses, and writes back out without losing a field. */
class SeedExamplesTest {

    private final TaskCodec codec = new TaskCodec();
    private final ObjectMapper mapper = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {
        "000-apidoc-string-buttons.json", "001-apidoc-mirror.json", "002-newapi-integer-buttons.json",
        "003-cometapi-openapi-example.json", "cometapi-modal-full.json", "fork-with-extras.json"})
    void parsesAndRoundTripsLosslessly(String name) throws IOException {
        byte[] body = resource(name);

        Task task = codec.parse(body);

        assertThat(mapper.readTree(codec.write(task))).isEqualTo(mapper.readTree(body));
        assertThat(task.status().raw()).isNotNull();
    }

    @Test
    void apidocDialectKeepsStringButtonTypes() throws IOException {
        Task task = codec.parse(resource("000-apidoc-string-buttons.json"));

        assertThat(task.buttons()).singleElement().satisfies(button -> {
            assertThat(button.type()).isEqualTo("string");
            assertThat(button.style()).isEqualTo("string");
        });
        assertThat(codec.toTree(task).at("/buttons/0/type").isTextual()).isTrue();
        assertThat(task.finishTime()).isZero();
    }

    @Test
    void newApiDialectKeepsIntegerButtonTypes() throws IOException {
        Task task = codec.parse(resource("002-newapi-integer-buttons.json"));

        assertThat(task.status().phase()).isEqualTo(TrackingPhase.FINISHED);
        assertThat(task.progress().percent()).isEqualTo(100);
        assertThat(task.buttons()).hasSize(3).first().satisfies(button -> assertThat(button.type()).isEqualTo("2"));
        assertThat(codec.toTree(task).at("/buttons/0/type").isInt()).isTrue();
        assertThat(task.finishTime()).isEqualTo(1730621855817L);
    }

    @Test
    void cometApiFieldsAreAllRead() throws IOException {
        Task task = codec.parse(resource("cometapi-modal-full.json"));

        assertThat(task.botType()).isEqualTo("NIJI_JOURNEY");
        assertThat(task.customId()).isEqualTo("MJ::JOB::variation::2::abc");
        assertThat(task.maskBase64()).startsWith("iVBOR");
        assertThat(task.properties()).isEqualTo(new TaskProperties("a cat in a hat --niji 6", "戴帽子的猫"));
        assertThat(task.videoUrl()).isEmpty();
        assertThat(task.state()).isEqualTo("order-77");
        assertThat(task.status().phase()).isEqualTo(TrackingPhase.NEEDS_USER);
        assertThat(task.finishTime()).isNull();
    }

    @Test
    void forkExtrasAreKeptAndTimestampsMayBeStrings() throws IOException {
        byte[] body = resource("fork-with-extras.json");
        Task task = codec.parse(body);

        JsonNode written = codec.toTree(task);
        assertThat(written.get("imageUrls").get(0).get("thumbnail").asText()).endsWith("0_t.png");
        assertThat(written.get("isCompleted").booleanValue()).isTrue();
        assertThat(written.at("/buttons/0/disabled").isBoolean()).isTrue();
        assertThat(task.submitTime()).isEqualTo(1730621826053L);
        assertThat(task.progress().percent()).isEqualTo(100);
        assertThat(task.progress().raw()).isEqualTo("100");
    }

    @Test
    void theCopiesInTestResourcesMatchTheSeedDocuments() throws IOException {
        Path seeds = Path.of("../../shared/seeds");
        if (!Files.isDirectory(seeds)) {
            seeds = Path.of("../shared/seeds");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(seeds), "shared/seeds not beside the checkout");
        Pattern json = Pattern.compile("\\n(\\{\\n\\s+\"(?:action|id)\".*?\\n\\})", Pattern.DOTALL);
        int parsed = 0;
        for (Path seed : Files.list(seeds).sorted().toList()) {
            Matcher matcher = json.matcher(Files.readString(seed));
            while (matcher.find()) {
                Task task = codec.parse(matcher.group(1));
                assertThat(mapper.readTree(codec.write(task))).isEqualTo(mapper.readTree(matcher.group(1)));
                parsed++;
            }
        }
        assertThat(parsed).as("JSON examples found in the seed documents").isGreaterThanOrEqualTo(4);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = SeedExamplesTest.class.getResourceAsStream("/seeds/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

}
