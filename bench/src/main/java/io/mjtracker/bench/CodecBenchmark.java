package io.mjtracker.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RequestRef;
import io.mjtracker.common.record.StatusUpdate;
import io.mjtracker.common.record.TrackingFacts;
import io.mjtracker.common.task.Task;
import io.mjtracker.common.task.TaskCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Parsing and writing the task records. The baseline is Jackson's plain tree parse of the same bytes
 * ({@link #baselineReadTree}): the typed, lossless parse should cost a small multiple of it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class CodecBenchmark {

    private final ObjectMapper mapper = new ObjectMapper();
    private final TaskCodec taskCodec = new TaskCodec();
    private final RecordCodec recordCodec = new RecordCodec();
    private byte[] body;
    private Task task;
    private FinalResult result;
    private StatusUpdate update;

    @Setup
    public void setUp() {
        StringBuilder buttons = new StringBuilder();
        for (int i = 1; i <= 4; i++) {
            buttons.append(i > 1 ? "," : "").append("{\"customId\":\"MJ::JOB::upsample::").append(i)
                    .append("::abc\",\"label\":\"U").append(i).append("\",\"type\":2,\"style\":2,\"emoji\":\"\"}");
        }
        body = ("{\"id\":\"1730621826053455\",\"action\":\"IMAGINE\",\"botType\":\"MID_JOURNEY\",\"prompt\":\"pig --v 6.1\","
                + "\"promptEn\":\"pig --v 6.1\",\"description\":\"Submit success\",\"status\":\"SUCCESS\",\"progress\":\"100%\","
                + "\"imageUrl\":\"https://cdn.example.com/image.png\",\"videoUrl\":\"\",\"submitTime\":1730621826053,"
                + "\"startTime\":1730621828024,\"finishTime\":1730621855817,\"failReason\":\"\",\"buttons\":[" + buttons
                + "],\"properties\":{\"finalPrompt\":\"pig --v 6.1\"},\"seed\":\"123\"}").getBytes(StandardCharsets.UTF_8);
        task = taskCodec.parse(body);
        var metadata = mapper.createObjectNode().put("user", "u-7");
        RequestRef request = new RequestRef("mj.tasks", 3, 123_456);
        result = FinalResult.of(task.id(), "default", Outcome.SUCCEEDED, null, task.json(),
                new TrackingFacts(1730621826100L, 1730621855817L, 1730621856300L, 4), request, metadata);
        update = StatusUpdate.of(task.id(), "default", task, 1730621856300L, 4, request, metadata);
    }

    @Benchmark
    public JsonNode baselineReadTree() throws IOException {
        return mapper.readTree(body);
    }

    @Benchmark
    public Task parseTask() {
        return taskCodec.parse(body);
    }

    @Benchmark
    public byte[] writeFinalResult() {
        return recordCodec.write(result);
    }

    @Benchmark
    public byte[] writeStatusUpdate() {
        return recordCodec.write(update);
    }

    @Benchmark
    public FinalResult readFinalResult() {
        return recordCodec.readFinalResult(recordCodec.write(result));
    }
}
