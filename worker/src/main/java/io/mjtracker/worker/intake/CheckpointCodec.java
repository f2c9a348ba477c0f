package io.mjtracker.worker.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RecordHeaders;
import io.mjtracker.common.record.RequestRef;
import io.mjtracker.worker.publish.Checkpoint;
import io.mjtracker.worker.tracking.TaskRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Writes a tracked request back to its input partition as a checkpoint record, and reads one back.
 * The value is an ordinary JSON request ({@code {"id": ..., "upstream": ..., <metadata>}}, the profile
 * left out for {@code default}), so the request parser
 * takes it like any other; header {@value RecordHeaders#CHECKPOINT} carries the original request's
 * reference and clocks: {@code {"v":1,"topic":..,"partition":..,"offset":..,"requestedAt":..,"unavailableCredit":..}}.
 */
final class CheckpointCodec {

    /** What a checkpoint header says about the original request. */
    record Origin(RequestRef source, long requestedAtMillis, long unavailableCreditMillis) {}

    private final ObjectMapper mapper;

    CheckpointCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    Checkpoint checkpoint(TaskRequest request, long unavailableClockMillis) {
        ObjectNode value = mapper.createObjectNode().put("id", request.taskId());
        if (!request.upstream().equals(RecordCodec.DEFAULT_UPSTREAM)) {
            value.put("upstream", request.upstream());
        }
        value.setAll(request.metadata());
        ObjectNode origin = mapper.createObjectNode()
                .put("v", 1)
                .put("topic", request.source().topic())
                .put("partition", request.source().partition())
                .put("offset", request.source().offset())
                .put("requestedAt", request.requestedAtMillis())
                .put("unavailableCredit", request.unavailableCreditAt(unavailableClockMillis));
        List<Header> headers = new ArrayList<>(request.headers().length + 1);
        for (Header header : request.headers()) {
            if (!header.key().equals(RecordHeaders.CHECKPOINT)) {
                headers.add(header);
            }
        }
        headers.add(new RecordHeader(RecordHeaders.CHECKPOINT, origin.toString().getBytes(StandardCharsets.UTF_8)));
        return new Checkpoint(request.source().partition(), request.taskId().getBytes(StandardCharsets.UTF_8),
                value.toString().getBytes(StandardCharsets.UTF_8), headers.toArray(Header[]::new));
    }

    /** The origin a checkpoint record names; empty for an ordinary request or an unreadable header. */
    Optional<Origin> origin(Headers headers) {
        Header header = headers.lastHeader(RecordHeaders.CHECKPOINT);
        if (header == null || header.value() == null) {
            return Optional.empty();
        }
        try {
            JsonNode node = mapper.readTree(header.value());
            if (node == null || node.path("v").asInt() != 1 || !node.path("topic").isTextual()
                    || !node.path("offset").canConvertToLong() || !node.path("requestedAt").canConvertToLong()) {
                return Optional.empty();
            }
            return Optional.of(new Origin(
                    new RequestRef(node.get("topic").asText(), node.path("partition").asInt(), node.get("offset").asLong()),
                    node.get("requestedAt").asLong(), Math.max(0, node.path("unavailableCredit").asLong())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
