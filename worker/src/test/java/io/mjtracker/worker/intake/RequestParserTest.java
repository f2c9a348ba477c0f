package io.mjtracker.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestParserTest {

    private final RequestParser parser = new RequestParser(new ObjectMapper());

    private ParsedInput parse(String value) {
        return parser.parse(value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void bareIdIsARequestWithNoMetadata() {
        assertThat(parse(" 1730621826053455\n")).isInstanceOfSatisfying(ParsedInput.Request.class, request -> {
            assertThat(request.taskId()).isEqualTo("1730621826053455");
            assertThat(request.metadata().isEmpty()).isTrue();
        });
    }

    @Test
    void jsonObjectPassesItsOtherFieldsThrough() {
        assertThat(parse("{\"id\":\"abc-1\",\"user\":\"u7\",\"tags\":[1,2]}"))
                .isInstanceOfSatisfying(ParsedInput.Request.class, request -> {
                    assertThat(request.taskId()).isEqualTo("abc-1");
                    assertThat(request.metadata().toString()).isEqualTo("{\"user\":\"u7\",\"tags\":[1,2]}");
                });
    }

    @Test
    void numericJsonIdAndJsonStringAreAccepted() {
        assertThat(parse("{\"id\":1730621826053455}")).isInstanceOf(ParsedInput.Request.class);
        assertThat(parse("\"task:42\"")).isInstanceOfSatisfying(ParsedInput.Request.class,
                request -> assertThat(request.taskId()).isEqualTo("task:42"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "..", ".", "%2F", "has space", "x\u0000y", "a?b=c", "a#b", "ünïcode"})
    void idsThatCouldChangeTheRequestPathAreRefused(String id) {
        assertThat(parse(id)).isInstanceOfSatisfying(ParsedInput.Rejected.class,
                rejected -> assertThat(rejected.reason()).isEqualTo(DeadLetterReason.INVALID_ID));
    }

    @Test
    void overlongIdIsRefused() {
        assertThat(parse("a".repeat(129))).isInstanceOfSatisfying(ParsedInput.Rejected.class,
                rejected -> assertThat(rejected.reason()).isEqualTo(DeadLetterReason.INVALID_ID));
        assertThat(parse("a".repeat(128))).isInstanceOf(ParsedInput.Request.class);
    }

    @Test
    void eachKindOfBadInputHasItsReason() {
        assertThat(reason(new byte[0])).isEqualTo(DeadLetterReason.EMPTY);
        assertThat(reason(null)).isEqualTo(DeadLetterReason.EMPTY);
        assertThat(reason("   ".getBytes(StandardCharsets.UTF_8))).isEqualTo(DeadLetterReason.EMPTY);
        assertThat(reason(new byte[] {(byte) 0xff, (byte) 0xfe, 0x00})).isEqualTo(DeadLetterReason.NOT_UTF8);
        assertThat(reason("{\"id\":".getBytes(StandardCharsets.UTF_8))).isEqualTo(DeadLetterReason.BAD_JSON);
        assertThat(reason("[1,2]".getBytes(StandardCharsets.UTF_8))).isEqualTo(DeadLetterReason.BAD_JSON);
        assertThat(reason("{\"task\":\"1\"}".getBytes(StandardCharsets.UTF_8))).isEqualTo(DeadLetterReason.MISSING_ID);
        assertThat(reason(new byte[RequestParser.MAX_VALUE_BYTES + 1])).isEqualTo(DeadLetterReason.TOO_LARGE);
    }

    @Test
    void rejectionDetailNeverCarriesControlCharacters() {
        var rejected = (ParsedInput.Rejected) parse("bad\u0007id\u001b[31m");

        assertThat(rejected.detail()).doesNotContain("\u0007", "\u001b");
    }

    private final RequestParser routing = new RequestParser(new ObjectMapper(), Set.of("default", "comet", "self-hosted"));

    private static Headers upstreamHeader(String name) {
        return new RecordHeaders().add("mj-upstream", name.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theUpstreamComesFromTheFieldOrTheHeaderAndIsDefaultWithNeither() {
        assertThat(routing.parse("{\"id\":\"1\",\"upstream\":\"comet\",\"user\":\"u7\"}".getBytes(StandardCharsets.UTF_8), null))
                .isInstanceOfSatisfying(ParsedInput.Request.class, request -> {
                    assertThat(request.upstream()).isEqualTo("comet");
                    assertThat(request.metadata().toString()).as("said once, in the outputs' own field").isEqualTo("{\"user\":\"u7\"}");
                });
        assertThat(routing.parse("17".getBytes(StandardCharsets.UTF_8), upstreamHeader("self-hosted")))
                .isInstanceOfSatisfying(ParsedInput.Request.class, request -> assertThat(request.upstream()).isEqualTo("self-hosted"));
        assertThat(routing.parse("{\"id\":\"1\",\"upstream\":\"comet\"}".getBytes(StandardCharsets.UTF_8), upstreamHeader("comet")))
                .isInstanceOfSatisfying(ParsedInput.Request.class, request -> assertThat(request.upstream()).isEqualTo("comet"));
        assertThat(routing.parse("17".getBytes(StandardCharsets.UTF_8), new RecordHeaders()))
                .isInstanceOfSatisfying(ParsedInput.Request.class, request -> assertThat(request.upstream()).isEqualTo("default"));
    }

    @Test
    void anUnknownAbsentOrContradictedUpstreamIsDeadLetteredNotGuessed() {
        var unknown = (ParsedInput.Rejected) routing.parse("{\"id\":\"1\",\"upstream\":\"Comet\"}".getBytes(StandardCharsets.UTF_8), null);
        assertThat(unknown.reason()).isEqualTo(DeadLetterReason.UNKNOWN_UPSTREAM);
        assertThat(unknown.detail()).contains("'Comet'");

        var disagree = (ParsedInput.Rejected) routing.parse("{\"id\":\"1\",\"upstream\":\"comet\"}".getBytes(StandardCharsets.UTF_8),
                upstreamHeader("self-hosted"));
        assertThat(disagree.reason()).isEqualTo(DeadLetterReason.UNKNOWN_UPSTREAM);
        assertThat(disagree.detail()).contains("disagree");

        assertThat(((ParsedInput.Rejected) routing.parse("{\"id\":\"1\",\"upstream\":7}".getBytes(StandardCharsets.UTF_8), null))
                .reason()).isEqualTo(DeadLetterReason.UNKNOWN_UPSTREAM);

        RequestParser noDefault = new RequestParser(new ObjectMapper(), Set.of("comet"));
        var unnamed = (ParsedInput.Rejected) noDefault.parse("17".getBytes(StandardCharsets.UTF_8), null);
        assertThat(unnamed.reason()).isEqualTo(DeadLetterReason.UNKNOWN_UPSTREAM);
        assertThat(unnamed.detail()).contains("names none");
    }

    private DeadLetterReason reason(byte[] value) {
        return ((ParsedInput.Rejected) parser.parse(value)).reason();
    }
}
