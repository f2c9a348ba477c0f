package io.mjtracker.worker.intake;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RecordHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Reads an input record: its value is a bare task id ({@code 1730621826053455}), a JSON string, or a JSON
 * object with an {@code id} whose other fields are passed through. The id must match
 * {@code [A-Za-z0-9._:-]{1,128}} and not be only dots, so that it can never change the request path
 * ({@code /}, {@code ..}, {@code %2F}, spaces and control characters are all refused). The upstream
 * profile is named by the JSON field {@code upstream} or the header {@value RecordHeaders#UPSTREAM}
 * ({@code default} where neither is there); a name that is not a configured profile, or a field and a
 * header that disagree, is refused rather than guessed at.
 */
public final class RequestParser {

    /** Larger values are refused before parsing; a task request is a few hundred bytes. */
    public static final int MAX_VALUE_BYTES = 64 * 1024;
    private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern ONLY_DOTS = Pattern.compile("\\.+");

    private static final String UPSTREAM_FIELD = "upstream";

    private final ObjectMapper mapper;
    /** One shared, never modified, empty metadata object: most requests are bare ids, and a tracker holds many. */
    private final ObjectNode noMetadata;
    private final Set<String> upstreams;

    /** A parser for a deployment with the single profile {@code default}. */
    public RequestParser(ObjectMapper mapper) {
        this(mapper, Set.of(RecordCodec.DEFAULT_UPSTREAM));
    }

    /** @param upstreams the names of the configured upstream profiles */
    public RequestParser(ObjectMapper mapper, Set<String> upstreams) {
        this.mapper = mapper;
        this.noMetadata = mapper.createObjectNode();
        this.upstreams = Set.copyOf(upstreams);
    }

    /** The mapper requests are read with, for records written back in the same shape (checkpoints). */
    ObjectMapper mapper() {
        return mapper;
    }

    /** A record without headers. */
    public ParsedInput parse(byte[] value) {
        return parse(value, null);
    }

    /** @param headers the record's headers, or null */
    public ParsedInput parse(byte[] value, Headers headers) {
        ParsedInput parsed = parseValue(value);
        if (!(parsed instanceof ParsedInput.Request request)) {
            return parsed;
        }
        String fromHeader = null;
        Header header = headers == null ? null : headers.lastHeader(RecordHeaders.UPSTREAM);
        if (header != null && header.value() != null) {
            fromHeader = new String(header.value(), StandardCharsets.UTF_8).strip();
        }
        String fromField = request.upstream();
        if (fromField != null && fromHeader != null && !fromField.equals(fromHeader)) {
            return new ParsedInput.Rejected(DeadLetterReason.UNKNOWN_UPSTREAM, "field upstream '" + shown(fromField)
                    + "' and header " + RecordHeaders.UPSTREAM + " '" + shown(fromHeader) + "' disagree");
        }
        String named = fromField != null ? fromField : fromHeader != null ? fromHeader : RecordCodec.DEFAULT_UPSTREAM;
        if (!upstreams.contains(named)) {
            return new ParsedInput.Rejected(DeadLetterReason.UNKNOWN_UPSTREAM, "no upstream profile '" + shown(named)
                    + "' is configured" + (named.equals(RecordCodec.DEFAULT_UPSTREAM) ? " (the request names none)" : ""));
        }
        return new ParsedInput.Request(request.taskId(), named, request.metadata());
    }

    private ParsedInput parseValue(byte[] value) {
        if (value == null || value.length == 0) {
            return new ParsedInput.Rejected(DeadLetterReason.EMPTY, "empty value");
        }
        if (value.length > MAX_VALUE_BYTES) {
            return new ParsedInput.Rejected(DeadLetterReason.TOO_LARGE,
                    "value of " + value.length + " bytes exceeds " + MAX_VALUE_BYTES);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value)).toString().strip();
        } catch (CharacterCodingException e) {
            return new ParsedInput.Rejected(DeadLetterReason.NOT_UTF8, "value is not UTF-8 text");
        }
        if (text.isEmpty()) {
            return new ParsedInput.Rejected(DeadLetterReason.EMPTY, "blank value");
        }
        char first = text.charAt(0);
        if (first == '{' || first == '"' || first == '[') {
            return parseJson(text);
        }
        return validated(text, noMetadata);
    }

    private ParsedInput parseJson(String text) {
        JsonNode node;
        try {
            node = mapper.readTree(text);
        } catch (JacksonException e) {
            return new ParsedInput.Rejected(DeadLetterReason.BAD_JSON, "value is not valid JSON: " + e.getOriginalMessage());
        }
        if (node.isTextual()) {
            return validated(node.textValue(), noMetadata);
        }
        if (!(node instanceof ObjectNode object)) {
            return new ParsedInput.Rejected(DeadLetterReason.BAD_JSON, "JSON value must be an object with an id or a string id");
        }
        JsonNode id = object.get("id");
        if (id == null || id.isNull() || !(id.isTextual() || id.isIntegralNumber())) {
            return new ParsedInput.Rejected(DeadLetterReason.MISSING_ID, "JSON object has no string or integer \"id\"");
        }
        JsonNode upstream = object.get(UPSTREAM_FIELD);
        if (upstream != null && !upstream.isTextual()) {
            return new ParsedInput.Rejected(DeadLetterReason.UNKNOWN_UPSTREAM, "field upstream must be a profile name (a string)");
        }
        ObjectNode metadata = object.deepCopy();
        metadata.remove("id");
        // Results carry the profile in a field of their own; a copy in the metadata would say it twice.
        metadata.remove(UPSTREAM_FIELD);
        ParsedInput parsed = validated(id.asText(), metadata.isEmpty() ? noMetadata : metadata);
        return upstream != null && parsed instanceof ParsedInput.Request request
                ? new ParsedInput.Request(request.taskId(), upstream.textValue().strip(), request.metadata()) : parsed;
    }

    /** A name or id from a record, cut and cleaned for a dead letter's reason. */
    private static String shown(String name) {
        String cut = name.length() > 40 ? name.substring(0, 40) + "..." : name;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    private static ParsedInput validated(String id, ObjectNode metadata) {
        if (!VALID_ID.matcher(id).matches() || ONLY_DOTS.matcher(id).matches()) {
            return new ParsedInput.Rejected(DeadLetterReason.INVALID_ID,
                    "task id must match [A-Za-z0-9._:-]{1,128} and not be only dots; got "
                            + id.length() + " chars: " + shown(id));
        }
        return new ParsedInput.Request(id, null, metadata);
    }
}
