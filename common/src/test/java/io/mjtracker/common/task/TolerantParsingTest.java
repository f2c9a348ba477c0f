package io.mjtracker.common.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TolerantParsingTest {

    private final TaskCodec codec = new TaskCodec();

    private Task task(String fields) {
        return codec.parse("{\"id\":\"1\"" + (fields.isEmpty() ? "" : "," + fields) + "}");
    }

    @ParameterizedTest(name = "progress {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "\"58%\"       | 58",
        "\"100%\"      | 100",
        "\"100\"       | 100",
        "\" 7 % \"     | 7",
        "58           | 58",
        "58.5         | 58",
        "\"\"          | -1",
        "null         | -1",
        "\"processing\" | -1",
        "\"140%\"      | -1",
        "-3           | -1"})
    void progressFormsGiveAPercentOrNone(String json, int percent) {
        assertThat(task("\"progress\":" + json).progress().percent()).isEqualTo(percent);
    }

    @Test
    void progressRawTextIsKept() {
        assertThat(task("\"progress\":\"processing\"").progress().raw()).isEqualTo("processing");
        assertThat(task("\"progress\":58").progress().raw()).isEqualTo("58");
        assertThat(task("").progress()).isEqualTo(Progress.ABSENT);
        assertThat(task("\"progress\":null").progress().raw()).isNull();
    }

    @Test
    void emptyOrAbsentStatusIsNotStartedYet() {
        assertThat(task("\"status\":\"\"").status().phase()).isEqualTo(TrackingPhase.RUNNING);
        assertThat(task("\"status\":\"\"").status().isQueued()).isTrue();
        assertThat(task("").status().raw()).isEmpty();
        assertThat(task("\"status\":null").status().phase()).isEqualTo(TrackingPhase.RUNNING);
    }

    @ParameterizedTest
    @CsvSource({
        "NOT_START, RUNNING", "SUBMITTED, RUNNING", "IN_PROGRESS, RUNNING",
        "SUCCESS, FINISHED", "FAILURE, FINISHED", "CANCEL, FINISHED", "success, FINISHED",
        "MODAL, NEEDS_USER", "WHATEVER_NEW, UNKNOWN"})
    void eachStatusHasOneMeaning(String status, TrackingPhase phase) {
        assertThat(task("\"status\":\"" + status + "\"").status().phase()).isEqualTo(phase);
    }

    @Test
    void unknownStatusIsKeptVerbatim() throws Exception {
        Task task = task("\"status\":\"Paused_By_Admin\"");

        assertThat(task.status().raw()).isEqualTo("Paused_By_Admin");
        assertThat(new ObjectMapper().readTree(codec.write(task)).get("status").asText()).isEqualTo("Paused_By_Admin");
    }

    @Test
    void explicitNullsAndUnknownFieldsSurviveTheRoundTrip() throws Exception {
        String body = "{\"id\":\"9\",\"imageUrl\":null,\"seed\":123,\"nested\":{\"a\":[1,\"x\",null]},\"status\":\"SUCCESS\"}";
        ObjectMapper mapper = new ObjectMapper();

        assertThat(mapper.readTree(codec.write(codec.parse(body)))).isEqualTo(mapper.readTree(body));
    }

    @Test
    void badTimestampsAreNullButKept() throws Exception {
        Task task = task("\"finishTime\":\"yesterday\"");

        assertThat(task.finishTime()).isNull();
        assertThat(codec.toTree(task).get("finishTime").asText()).isEqualTo("yesterday");
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', value = {
        "''                                                         | EMPTY",
        "'   '                                                      | EMPTY",
        "null                                                       | NOT_AN_OBJECT",
        "[]                                                         | NOT_AN_OBJECT",
        "42                                                         | NOT_AN_OBJECT",
        "'<html><body>502 Bad Gateway</body></html>'                | HTML",
        "'{\"id\":\"1\",\"status\":\"SUCC'                          | TRUNCATED",
        "'Service Unavailable'                                      | NOT_JSON",
        "'{\"error\":{\"code\":\"x\",\"message\":\"quota\",\"type\":\"t\"}}' | ERROR_OBJECT",
        "'{\"code\":4,\"description\":\"task_no_found\"}'           | ERROR_OBJECT",
        "'{}'                                                       | ERROR_OBJECT"})
    void aBodyThatIsNotATaskGivesATypedError(String body, TaskParseException.Reason reason) {
        assertThatThrownBy(() -> codec.parse(body))
                .isInstanceOfSatisfying(TaskParseException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @Test
    void errorMessagesAreReadFromBothErrorShapes() {
        assertThat(codec.parseError("{\"error\":{\"code\":\"quota\",\"message\":\"out of credit\",\"type\":\"x\"}}".getBytes()))
                .hasValue(new UpstreamError("quota", "out of credit"));
        assertThat(codec.parseError("{\"code\":4,\"description\":\"task_no_found\"}".getBytes()))
                .hasValue(new UpstreamError("4", "task_no_found"));
        assertThat(codec.parseError("{\"id\":\"1\"}".getBytes())).isEmpty();
        assertThat(codec.parseError("<html>".getBytes())).isEmpty();
    }

    @Test
    void parseErrorsQuoteOnlyAShortPieceOfTheBody() {
        String huge = "x".repeat(100_000);

        assertThatThrownBy(() -> codec.parse(huge)).satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
    }
}
