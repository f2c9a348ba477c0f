package io.mjtracker.common.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every example the providers document parses, and writes back out without losing a field. */
class SeedExamplesTest {

    private static final Pattern JSON_EXAMPLE = Pattern.compile("\\n(\\{\\n\\s+\"(?:action|id)\".*?\\n\\})", Pattern.DOTALL);
    private static final List<String> SEED_DOCUMENTS = List.of(
            "000_134342c71a1f3c53.txt", "001_76d5cf254b2e4e6a.txt", "002_ac0ceb26e8e0b8d7.txt", "003_d7dd3ec03dfd27e2.txt");

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

    /**
     * The provider documents the copies above were taken from are embedded under {@code seed-docs/}:
     * every JSON example in them parses and round-trips, and each copy is exactly an example of its
     * document (the CometAPI OpenAPI example is YAML: each of the copy's fields is in it).
     */
    @ParameterizedTest
    @CsvSource({
        "000_134342c71a1f3c53.txt, 000-apidoc-string-buttons.json",
        "001_76d5cf254b2e4e6a.txt, 001-apidoc-mirror.json",
        "002_ac0ceb26e8e0b8d7.txt, 002-newapi-integer-buttons.json",
        "003_d7dd3ec03dfd27e2.txt, 003-cometapi-openapi-example.json"})
    void theCopiesInTestResourcesAreExamplesOfTheSeedDocuments(String document, String copy) throws IOException {
        String text = new String(seedDocument(document), StandardCharsets.UTF_8);
        JsonNode expected = mapper.readTree(resource(copy));

        Matcher matcher = JSON_EXAMPLE.matcher(text);
        List<JsonNode> examples = new ArrayList<>();
        while (matcher.find()) {
            Task task = codec.parse(matcher.group(1));
            assertThat(mapper.readTree(codec.write(task))).isEqualTo(mapper.readTree(matcher.group(1)));
            examples.add(mapper.readTree(matcher.group(1)));
        }
        if (examples.isEmpty()) {
            assertYamlExampleHolds(text, expected);
        } else {
            assertThat(examples).as("JSON examples of %s", document).allSatisfy(example -> assertThat(example).isEqualTo(expected));
        }
    }

    private static void assertYamlExampleHolds(String text, JsonNode node) {
        node.properties().forEach(field -> {
            JsonNode value = field.getValue();
            if (value.isContainerNode()) {
                (value.isArray() ? value.elements() : List.of(value).iterator()).forEachRemaining(child -> assertYamlExampleHolds(text, child));
            } else {
                String raw = value.asText();
                assertThat(text).as("YAML example field %s", field.getKey()).containsAnyOf(
                        field.getKey() + ": " + (raw.isEmpty() ? "''" : raw) + "\n", field.getKey() + ": '" + raw + "'\n");
            }
        });
    }

    /**
     * The embedded documents are the shared seed documents, where those sit beside the checkout. Where
     * they do not (a fresh clone, CI), the tests above still run on the embedded copies, so only this
     * comparison is skipped, and says so.
     */
    @Test
    void theEmbeddedSeedDocumentsAreTheSharedOnes() throws IOException {
        Path seeds = Path.of("../../shared/seeds");
        if (!Files.isDirectory(seeds)) {
            seeds = Path.of("../shared/seeds");
        }
        if (!Files.isDirectory(seeds)) {
            Assumptions.abort("shared/seeds is not beside the checkout (looked at ../shared/seeds and ../../shared/seeds from "
                    + Path.of("").toAbsolutePath() + "): the embedded copies in seed-docs/ were not compared with it");
        }
        List<String> shared;
        try (var files = Files.list(seeds)) {
            shared = files.map(file -> file.getFileName().toString()).sorted().toList();
        }
        assertThat(shared).as("documents in %s", seeds).isEqualTo(SEED_DOCUMENTS);
        for (String name : shared) {
            assertThat(seedDocument(name)).as("embedded copy of %s", name).isEqualTo(Files.readAllBytes(seeds.resolve(name)));
        }
    }

    private static byte[] seedDocument(String name) throws IOException {
        try (InputStream in = SeedExamplesTest.class.getResourceAsStream("/seed-docs/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = SeedExamplesTest.class.getResourceAsStream("/seeds/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

}
