package io.mjtracker.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mjtracker.common.record.RecordHeaders;
import io.mjtracker.common.record.RequestRef;
import io.mjtracker.worker.publish.Checkpoint;
import io.mjtracker.worker.tracking.TaskRequest;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

/** A checkpoint, read back as any input record is, is the same request: same task, upstream, metadata and origin. */
class CheckpointCodecTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final CheckpointCodec codec = new CheckpointCodec(mapper);
    private final RequestParser parser = new RequestParser(mapper, Set.of("default", "comet"));

    private ParsedInput.Request readBack(Checkpoint checkpoint) {
        var headers = new org.apache.kafka.common.header.internals.RecordHeaders(checkpoint.headers());
        assertThat(codec.origin(headers)).hasValueSatisfying(origin ->
                assertThat(origin.source()).isEqualTo(new RequestRef("in", 3, 41)));
        return (ParsedInput.Request) parser.parse(checkpoint.value(), headers);
    }

    private static TaskRequest request(String upstream, ObjectNode metadata, Header... headers) {
        return new TaskRequest("1730621826053455", upstream, new RequestRef("in", 3, 41), headers, metadata, 1_000, 0, 0, 1);
    }

    @Test
    void aRequestOfANamedUpstreamComesBackOnThatUpstreamWithItsMetadata() {
        ObjectNode metadata = mapper.createObjectNode().put("user", "u-7");

        ParsedInput.Request back = readBack(codec.checkpoint(request("comet", metadata), 0));

        assertThat(back.taskId()).isEqualTo("1730621826053455");
        assertThat(back.upstream()).isEqualTo("comet");
        assertThat(back.metadata()).isEqualTo(metadata);
    }

    @Test
    void aRequestRoutedByHeaderKeepsTheHeaderAndTheFieldAgreesWithIt() {
        Header routed = new RecordHeader(RecordHeaders.UPSTREAM, "comet".getBytes(StandardCharsets.UTF_8));

        ParsedInput.Request back = readBack(codec.checkpoint(request("comet", mapper.createObjectNode(), routed), 0));

        assertThat(back.upstream()).isEqualTo("comet");
    }

    @Test
    void aRequestOfTheDefaultUpstreamNamesNone() {
        Checkpoint checkpoint = codec.checkpoint(request("default", mapper.createObjectNode()), 0);

        assertThat(new String(checkpoint.value(), StandardCharsets.UTF_8)).doesNotContain("upstream");
        assertThat(readBack(checkpoint).upstream()).isEqualTo("default");
    }

    @Test
    void theClocksTravelWithTheCheckpointAndTheCreditGrowsByWhatThisOwnerSaw() {
        // Requested at 1,000; earlier owners saw the upstream away for 5 s; this one took it in when its
        // unavailability clock read 10 s and writes the checkpoint when it reads 12 s.
        TaskRequest request = new TaskRequest("1730621826053455", "comet", new RequestRef("in", 3, 41), new Header[0],
                mapper.createObjectNode(), 1_000, 5_000, 10_000, 1);

        Checkpoint checkpoint = codec.checkpoint(request, 12_000);

        var headers = new org.apache.kafka.common.header.internals.RecordHeaders(checkpoint.headers());
        assertThat(codec.origin(headers)).hasValueSatisfying(origin -> {
            assertThat(origin.requestedAtMillis()).as("the original request's time").isEqualTo(1_000);
            assertThat(origin.unavailableCreditMillis()).as("5 s inherited + 2 s seen here").isEqualTo(7_000);
        });
    }
}
