package io.mjtracker.worker.intake;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Reads an input record's value: a bare task id ({@code 1730621826053455}), a JSON string, or a JSON
 * object with an {@code id} whose other fields are passed through. The id must match
 * {@code [A-Za-z0-9._:-]{1,128}} and not be only dots, so that it can never change the request path
 * ({@code /}, {@code ..}, {@code %2F}, spaces and control characters are all refused).
 */
public final class RequestParser {

    /** Larger values are refused before parsing; a task request is a few hundred bytes. */
    public static final int MAX_VALUE_BYTES = 64 * 1024;
    private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern ONLY_DOTS = Pattern.compile("\\.+");

    private final ObjectMapper mapper;
    /** One shared, never modified, empty metadata object: most requests are bare ids, and a tracker holds many. */
    private final ObjectNode noMetadata;

    public RequestParser(ObjectMapper mapper) {
        this.mapper = mapper;
        this.noMetadata = mapper.createObjectNode();
    }

    /** The mapper requests are read with, for records written back in the same shape (checkpoints). */
    ObjectMapper mapper() {
        return mapper;
    }

    public ParsedInput parse(byte[] value) {
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
        ObjectNode metadata = object.deepCopy();
        metadata.remove("id");
        return validated(id.asText(), metadata);
    }

    private static ParsedInput validated(String id, ObjectNode metadata) {
        if (!VALID_ID.matcher(id).matches() || ONLY_DOTS.matcher(id).matches()) {
            String shown = id.length() > 40 ? id.substring(0, 40) + "..." : id;
            return new ParsedInput.Rejected(DeadLetterReason.INVALID_ID,
                    "task id must match [A-Za-z0-9._:-]{1,128} and not be only dots; got "
                            + id.length() + " chars: " + shown.replaceAll("\\p{Cntrl}", "?"));
        }
        return new ParsedInput.Request(id, metadata);
    }
}
