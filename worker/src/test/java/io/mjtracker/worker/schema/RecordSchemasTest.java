package io.mjtracker.worker.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RequestRef;
import io.mjtracker.common.record.StatusUpdate;
import io.mjtracker.common.record.TrackingFacts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The schemas say what docs/records.md says and what the codec writes, and they refuse what is not a
 * record (so that the integration tests that check real records against them can fail). The records the
 * worker really writes are checked in EndToEndIT (every outcome, status updates), BatchPollingIT (every
 * dialect) and InDoubtCommitIT (checkpoints).
 */
class RecordSchemasTest {

    private final RecordCodec codec = new RecordCodec();
    private final RequestRef request = new RequestRef("mj.tasks", 4, 1022);

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theExamplesOfTheRecordsPageMatchTheirSchemas() throws Exception {
        String page = Files.readString(Path.of("..", "docs", "records.md"));
        List<String> examples = new ArrayList<>();
        Matcher block = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL).matcher(page);
        while (block.find()) {
            examples.add(block.group(1));
        }

        assertThat(examples).hasSize(2);
        assertThat(RecordSchemas.problems(RecordSchemas.STATUS_UPDATE, utf8(examples.get(0)))).isEmpty();
        assertThat(RecordSchemas.problems(RecordSchemas.FINAL_RESULT, utf8(examples.get(1)))).isEmpty();
    }

    @Test
    void resultsOfEveryOutcomeAsTheCodecWritesThemMatch() {
        for (Outcome outcome : Outcome.values()) {
            boolean fetched = outcome != Outcome.NOT_FOUND;
            FinalResult result = FinalResult.of("1730621826053455", "comet", outcome, fetched ? null : "HTTP 404",
                    fetched ? "{\"id\":\"1730621826053455\",\"status\":\"X\",\"progress\":7,\"unknown\":[1]}" : null,
                    new TrackingFacts(1_000, fetched ? 2_000L : null, 3_000, 4), request, JsonNodeFactory.instance.objectNode().put("user", "u-7"));

            assertThat(RecordSchemas.problems(RecordSchemas.FINAL_RESULT, codec.write(result))).as(outcome.name()).isEmpty();
            assertThat(RecordSchemas.problems(RecordSchemas.FINAL_RESULT, codec.write(result.withTrimmedTask(null))))
                    .as("%s with its task trimmed away", outcome).isEmpty();
        }
        StatusUpdate update = new StatusUpdate(1, "t-1", "default", "", "UNKNOWN", null, null, null, null, 5, 1, request,
                JsonNodeFactory.instance.objectNode());
        assertThat(RecordSchemas.problems(RecordSchemas.STATUS_UPDATE, codec.write(update))).isEmpty();
    }

    @Test
    void whatIsNoRecordIsRefused() {
        assertThat(RecordSchemas.problems(RecordSchemas.FINAL_RESULT, utf8("""
                {"schemaVersion":1,"taskId":"t-1","upstream":"default","outcome":"DONE","reason":null,"task":null,
                 "tracking":{"firstSeenAt":1,"finishedUpstreamAt":null,"detectedAt":2,"polls":1},
                 "request":{"topic":"mj.tasks","partition":0,"offset":0},"metadata":{}}""")))
                .as("an outcome outside the six").isNotEmpty();
        assertThat(RecordSchemas.problems(RecordSchemas.FINAL_RESULT, utf8("""
                {"schemaVersion":1,"taskId":"t-1","upstream":"default","outcome":"SUCCEEDED","reason":null,"task":null,
                 "tracking":{"firstSeenAt":1,"finishedUpstreamAt":null,"detectedAt":2,"polls":1},
                 "request":{"topic":"mj.tasks","partition":0,"offset":0},"metadata":{}}""")))
                .as("a success without its task").isNotEmpty();
        assertThat(RecordSchemas.problems(RecordSchemas.STATUS_UPDATE, utf8("{\"schemaVersion\":1,\"taskId\":\"t-1\"}")))
                .as("fields missing").isNotEmpty();
    }

    @Test
    void theInputFormsTheWorkerAcceptsMatchAndThoseItDeadLettersDoNot() {
        for (String accepted : List.of("\"1730621826053455\"", "1730621826053455", "{\"id\":\"a.b:c-1\",\"user\":\"u-7\"}",
                "{\"id\":17,\"upstream\":\"comet\"}")) {
            assertThat(RecordSchemas.problems(RecordSchemas.INPUT_REQUEST, utf8(accepted))).as(accepted).isEmpty();
        }
        for (String refused : List.of("{\"user\":\"u-7\"}", "\"...\"", "\"a b\"", "{\"id\":\"x\",\"upstream\":\"Comet\"}", "[\"x\"]")) {
            assertThat(RecordSchemas.problems(RecordSchemas.INPUT_REQUEST, utf8(refused))).as(refused).isNotEmpty();
        }
        assertThat(RecordSchemas.problems(RecordSchemas.CHECKPOINT_HEADER, utf8(
                "{\"v\":1,\"topic\":\"mj.tasks\",\"partition\":3,\"offset\":12,\"requestedAt\":1730621826100,\"unavailableCredit\":0}")))
                .isEmpty();
    }
}
