package io.mjtracker.common.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mjtracker.common.task.Task;
import io.mjtracker.common.task.TaskCodec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RecordCodecTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final RecordCodec codec = new RecordCodec();
    private final RequestRef request = new RequestRef("mj.tasks", 3, 1234);

    private ObjectNode metadata() {
        ObjectNode metadata = mapper.createObjectNode();
        metadata.put("user", "u-7").putArray("tags").add("a");
        return metadata;
    }

    @Test
    void statusUpdateRoundTripsWithMetadata() {
        Task task = new TaskCodec().parse("{\"id\":\"42\",\"status\":\"IN_PROGRESS\",\"progress\":\"58%\",\"imageUrl\":\"\"}");
        StatusUpdate update = StatusUpdate.of("42", "comet", task, 1_700_000_000_000L, 3, request, metadata());

        StatusUpdate read = codec.readStatusUpdate(codec.write(update));

        assertThat(read).isEqualTo(update);
        assertThat(read.progressPercent()).isEqualTo(58);
        assertThat(read.progressRaw()).isEqualTo("58%");
        assertThat(read.imageUrl()).as("empty URL is left out").isNull();
        assertThat(read.phase()).isEqualTo("RUNNING");
    }

    @Test
    void finalResultEmbedsTheUpstreamTaskUnchanged() throws Exception {
        String taskJson = "{\"id\":\"42\",\"status\":\"SUCCESS\",\"seed\":99,\"buttons\":[{\"type\":2,\"style\":\"1\"}]}";
        FinalResult result = FinalResult.of("42", "comet", Outcome.SUCCEEDED, null, taskJson,
                new TrackingFacts(1, 2L, 3, 4), request, metadata());

        byte[] bytes = codec.write(result);
        FinalResult read = codec.readFinalResult(bytes);

        assertThat(mapper.readTree(bytes).get("task")).isEqualTo(mapper.readTree(taskJson));
        assertThat(mapper.readTree(read.taskJson())).isEqualTo(mapper.readTree(taskJson));
        assertThat(read.tracking()).isEqualTo(result.tracking());
        assertThat(read.request()).isEqualTo(request);
        assertThat(read.metadata()).isEqualTo(metadata());
        assertThat(read.schemaVersion()).isEqualTo(FinalResult.SCHEMA_VERSION);
        assertThat(read.upstream()).isEqualTo("comet");
    }

    @Test
    void resultWithoutAFetchedTaskHasNullTask() throws Exception {
        FinalResult result = FinalResult.of("7", "default", Outcome.NOT_FOUND, "HTTP 404", null,
                new TrackingFacts(1, null, 3, 9), request, mapper.createObjectNode());

        byte[] bytes = codec.write(result);

        assertThat(mapper.readTree(bytes).get("task").isNull()).isTrue();
        assertThat(codec.readFinalResult(bytes).taskJson()).isNull();
        assertThat(codec.readFinalResult(bytes).tracking().finishedUpstreamAt()).isNull();
    }

    @Test
    void readersIgnoreFieldsAddedLater() {
        String json = "{\"schemaVersion\":1,\"taskId\":\"1\",\"outcome\":\"FAILED\",\"reason\":\"x\",\"task\":null,"
                + "\"tracking\":{\"firstSeenAt\":1,\"detectedAt\":2,\"polls\":3,\"future\":true},\"newField\":[1]}";

        assertThat(codec.readFinalResult(json.getBytes(StandardCharsets.UTF_8)).outcome()).isEqualTo(Outcome.FAILED);
        assertThat(codec.readFinalResult(json.getBytes(StandardCharsets.UTF_8)).upstream())
                .as("a record from before profiles was tracked on the only upstream").isEqualTo("default");
    }

    @Test
    void anotherSchemaVersionIsRefused() {
        String json = "{\"schemaVersion\":2,\"taskId\":\"1\",\"outcome\":\"FAILED\"}";

        assertThatThrownBy(() -> codec.readFinalResult(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(RecordCodec.RecordFormatException.class).hasMessageContaining("schemaVersion");
        assertThatThrownBy(() -> codec.readStatusUpdate("{}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(RecordCodec.RecordFormatException.class);
    }

    @Test
    void finalStatusesMapToOutcomes() {
        TaskCodec tasks = new TaskCodec();
        assertThat(Outcome.of(tasks.parse("{\"status\":\"SUCCESS\"}").status())).hasValue(Outcome.SUCCEEDED);
        assertThat(Outcome.of(tasks.parse("{\"status\":\"FAILURE\"}").status())).hasValue(Outcome.FAILED);
        assertThat(Outcome.of(tasks.parse("{\"status\":\"CANCEL\"}").status())).hasValue(Outcome.CANCELLED);
        assertThat(Outcome.of(tasks.parse("{\"status\":\"MODAL\"}").status())).hasValue(Outcome.NEEDS_ACTION);
        assertThat(Outcome.of(tasks.parse("{\"status\":\"IN_PROGRESS\"}").status())).isEmpty();
    }
}
