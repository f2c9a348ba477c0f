package io.mjtracker.common.record;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * Writes and reads the published records (docs/records.md). Reading ignores unknown fields, so that
 * consumers keep working when a later version adds some, and rejects another schema version.
 * Thread-safe.
 */
public final class RecordCodec {

    /** The profile of a request that names none. */
    public static final String DEFAULT_UPSTREAM = "default";

    private final ObjectMapper mapper;

    public RecordCodec() {
        this(new ObjectMapper());
    }

    public RecordCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public byte[] write(StatusUpdate update) {
        ObjectNode node = mapper.createObjectNode();
        node.put("schemaVersion", update.schemaVersion());
        node.put("taskId", update.taskId());
        node.put("upstream", update.upstream());
        node.put("status", update.status());
        node.put("phase", update.phase());
        node.put("progressPercent", update.progressPercent());
        node.put("progressRaw", update.progressRaw());
        putIfPresent(node, "imageUrl", update.imageUrl());
        putIfPresent(node, "videoUrl", update.videoUrl());
        node.put("observedAt", update.observedAt());
        node.put("pollCount", update.pollCount());
        node.set("request", request(update.request()));
        node.set("metadata", update.metadata() == null ? mapper.createObjectNode() : update.metadata());
        return bytes(node);
    }

    public byte[] write(FinalResult result) {
        ObjectNode node = mapper.createObjectNode();
        node.put("schemaVersion", result.schemaVersion());
        node.put("taskId", result.taskId());
        node.put("upstream", result.upstream());
        node.put("outcome", result.outcome().name());
        node.put("reason", result.reason());
        if (result.taskJson() == null) {
            node.putNull("task");
        } else {
            // The task is already JSON, exactly as fetched: embed it as is rather than parsing it again.
            node.putRawValue("task", new RawValue(result.taskJson()));
        }
        ObjectNode tracking = node.putObject("tracking");
        tracking.put("firstSeenAt", result.tracking().firstSeenAt());
        tracking.put("finishedUpstreamAt", result.tracking().finishedUpstreamAt());
        tracking.put("detectedAt", result.tracking().detectedAt());
        tracking.put("polls", result.tracking().polls());
        node.set("request", request(result.request()));
        node.set("metadata", result.metadata() == null ? mapper.createObjectNode() : result.metadata());
        if (result.taskTrimmed()) {
            node.put("taskTrimmed", true);
        }
        return bytes(node);
    }

    public StatusUpdate readStatusUpdate(byte[] json) {
        JsonNode node = read(json, StatusUpdate.SCHEMA_VERSION);
        return new StatusUpdate(node.path("schemaVersion").intValue(), text(node, "taskId"), upstream(node), text(node, "status"),
                text(node, "phase"), node.hasNonNull("progressPercent") ? node.get("progressPercent").intValue() : null,
                text(node, "progressRaw"), text(node, "imageUrl"), text(node, "videoUrl"),
                node.path("observedAt").longValue(), node.path("pollCount").intValue(), request(node.path("request")),
                metadata(node));
    }

    public FinalResult readFinalResult(byte[] json) {
        JsonNode node = read(json, FinalResult.SCHEMA_VERSION);
        String outcome = text(node, "outcome");
        Outcome parsed;
        try {
            parsed = Outcome.valueOf(outcome == null ? "" : outcome.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new RecordFormatException("unknown outcome '" + outcome + "'");
        }
        JsonNode task = node.get("task");
        JsonNode tracking = node.path("tracking");
        return new FinalResult(node.path("schemaVersion").intValue(), text(node, "taskId"), upstream(node), parsed, text(node, "reason"),
                task == null || task.isNull() ? null : task.toString(),
                new TrackingFacts(tracking.path("firstSeenAt").longValue(),
                        tracking.hasNonNull("finishedUpstreamAt") ? tracking.get("finishedUpstreamAt").longValue() : null,
                        tracking.path("detectedAt").longValue(), tracking.path("polls").intValue()),
                request(node.path("request")), metadata(node), node.path("taskTrimmed").asBoolean(false));
    }

    private JsonNode read(byte[] json, int expectedVersion) {
        JsonNode node;
        try {
            node = mapper.readTree(json);
        } catch (IOException e) {
            throw new RecordFormatException("not JSON: " + e.getClass().getSimpleName());
        }
        if (node == null || !node.isObject()) {
            throw new RecordFormatException("not a JSON object");
        }
        JsonNode version = node.get("schemaVersion");
        if (version == null || !version.isInt() || version.intValue() != expectedVersion) {
            throw new RecordFormatException("schemaVersion " + version + " is not the supported " + expectedVersion);
        }
        return node;
    }

    private ObjectNode request(RequestRef request) {
        ObjectNode node = mapper.createObjectNode();
        if (request != null) {
            node.put("topic", request.topic());
            node.put("partition", request.partition());
            node.put("offset", request.offset());
        }
        return node;
    }

    private static RequestRef request(JsonNode node) {
        return node.isObject() && node.has("topic")
                ? new RequestRef(node.path("topic").asText(), node.path("partition").intValue(), node.path("offset").longValue())
                : null;
    }

    /** Records written before profiles existed name none: their task was tracked on the only upstream, {@code default}. */
    private static String upstream(JsonNode node) {
        String upstream = text(node, "upstream");
        return upstream == null ? DEFAULT_UPSTREAM : upstream;
    }

    private ObjectNode metadata(JsonNode node) {
        JsonNode metadata = node.get("metadata");
        return metadata instanceof ObjectNode object ? object : mapper.createObjectNode();
    }

    private byte[] bytes(JsonNode node) {
        try {
            return mapper.writeValueAsBytes(node);
        } catch (JacksonException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** A record that is not in the published shape. */
    public static final class RecordFormatException extends RuntimeException {
        public RecordFormatException(String message) {
            super(message);
        }
    }
}
