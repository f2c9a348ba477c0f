package io.mjtracker.worker.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON Schemas consumers get (docs/schemas), checked against what the worker really writes: a record
 * that does not match is a change of shape the schema (and the consumers generated from it) does not know.
 */
public final class RecordSchemas {

    public static final String STATUS_UPDATE = "status-update.schema.json";
    public static final String FINAL_RESULT = "final-result.schema.json";
    public static final String INPUT_REQUEST = "input-request.schema.json";
    public static final String CHECKPOINT_HEADER = "checkpoint-header.schema.json";
    /** From the worker module, where Maven runs its tests. */
    static final Path DIRECTORY = Path.of("..", "docs", "schemas");

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<String, Schema> LOADED = new ConcurrentHashMap<>();

    private RecordSchemas() {}

    /** What {@code json} breaks of the schema in {@code file}, one line each; empty when it matches. */
    public static List<String> problems(String file, byte[] json) {
        JsonNode instance;
        try {
            instance = MAPPER.readTree(json);
        } catch (IOException e) {
            return List.of("not JSON: " + e.getMessage());
        }
        return schema(file).validate(instance).stream().map(Object::toString).toList();
    }

    /** Asserts that every one of {@code records} matches the schema in {@code file}. */
    public static void assertAllMatch(String file, List<byte[]> records) {
        assertThat(records).as("records to check against " + file).isNotEmpty();
        for (byte[] record : records) {
            assertThat(problems(file, record)).as("%s against %s", new String(record, StandardCharsets.UTF_8), file).isEmpty();
        }
    }

    private static Schema schema(String file) {
        return LOADED.computeIfAbsent(file, name -> {
            try {
                return REGISTRY.getSchema(Files.readString(DIRECTORY.resolve(name)));
            } catch (IOException e) {
                throw new UncheckedIOException("schema " + name + " not readable under " + DIRECTORY.toAbsolutePath(), e);
            }
        });
    }
}
