package io.mjtracker.worker.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Optional;

/**
 * A hint as a record of the hints topic: {@code {"upstream","id","status","progress","receivedAt"}}. Read
 * leniently: a record this version cannot read (another version's, a stray producer's) is skipped, never
 * fatal, since a hint only makes a poll come sooner.
 */
public final class HintCodec {

    private final ObjectMapper mapper;

    public HintCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public byte[] write(Hint hint) {
        ObjectNode node = mapper.createObjectNode();
        node.put("upstream", hint.upstream());
        node.put("id", hint.taskId());
        node.put("status", hint.status());
        node.put("progress", hint.progress());
        node.put("receivedAt", hint.receivedAtMillis());
        try {
            return mapper.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a hint", e);
        }
    }

    /** The hint a record holds, or empty where it is not one. */
    public Optional<Hint> read(byte[] value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            JsonNode node = mapper.readTree(value);
            if (node == null || !node.path("upstream").isTextual() || !node.path("id").isTextual()) {
                return Optional.empty();
            }
            return Optional.of(new Hint(node.get("upstream").asText(), node.get("id").asText(),
                    node.path("status").asText(""), node.path("progress").asText(""), node.path("receivedAt").asLong(0)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
