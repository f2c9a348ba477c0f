package io.mjtracker.common.task;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * Reads tasks from fetch responses and writes them back. Tolerant of every provider's dialect (see
 * {@link Task}); strict about what is a task at all: an object counts as a task when it has an
 * {@code id} or a {@code status} field. Anything else raises a {@link TaskParseException} with its
 * {@link TaskParseException.Reason}, never a half-filled task. Thread-safe.
 */
public final class TaskCodec {

    private static final int QUOTE_LIMIT = 120;

    private final ObjectMapper mapper;

    public TaskCodec() {
        this(new ObjectMapper());
    }

    public TaskCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public Task parse(String json) {
        return parse(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Parses a fetch response body. */
    public Task parse(byte[] body) {
        ObjectNode object = readObject(body);
        if (!object.has("id") && !object.has("status")) {
            throw new TaskParseException(TaskParseException.Reason.ERROR_OBJECT, describeError(object));
        }
        // The body itself is the lossless form: keeping it spares writing the tree out again.
        return fromObject(object, new String(body, StandardCharsets.UTF_8).strip());
    }

    /**
     * Hands each element of a list answer ({@code list-by-condition}) to {@code each} as it is read, so that
     * a large answer is never held as one tree; returns how many elements the list held, or empty where the
     * body is JSON but not a list (an error object, say).
     *
     * @throws TaskParseException where the body is empty, HTML, not JSON or cut short
     */
    public OptionalInt forEachInList(byte[] body, Consumer<JsonNode> each) {
        int first = body == null ? -1 : firstNonBlank(body);
        if (first != '[') {
            // Not a list: read whole (an error object, an HTML page), so that the reason is the same as for one task.
            readTree(body);
            return OptionalInt.empty();
        }
        try (JsonParser parser = mapper.createParser(body)) {
            parser.nextToken();
            int count = 0;
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                if (token == null) {
                    throw new TaskParseException(TaskParseException.Reason.TRUNCATED, "JSON ends early: " + quote(body));
                }
                each.accept(mapper.readTree(parser));
                count++;
            }
            return OptionalInt.of(count);
        } catch (JsonEOFException e) {
            throw new TaskParseException(TaskParseException.Reason.TRUNCATED, "JSON ends early: " + quote(body));
        } catch (IOException e) {
            throw new TaskParseException(TaskParseException.Reason.NOT_JSON, "not JSON: " + quote(body));
        }
    }

    /** The task one element of a list answer holds, or empty where the element is not an object with a scalar id. */
    public Optional<Task> taskInList(JsonNode element) {
        if (!(element instanceof ObjectNode object) || text(object, "id") == null) {
            return Optional.empty();
        }
        return Optional.of(fromObject(object));
    }

    /** Builds a task from an already parsed object (e.g. one embedded in a final result). */
    public Task fromObject(ObjectNode object) {
        return fromObject(object, compact(object));
    }

    private Task fromObject(ObjectNode object, String json) {
        JsonNode properties = object.path("properties");
        return new Task(
                text(object, "id"), text(object, "action"), text(object, "customId"), text(object, "botType"),
                text(object, "prompt"), text(object, "promptEn"), text(object, "description"), text(object, "state"),
                epochMillis(object, "submitTime"), epochMillis(object, "startTime"), epochMillis(object, "finishTime"),
                text(object, "imageUrl"), text(object, "videoUrl"),
                new TaskStatus(Optional.ofNullable(text(object, "status")).orElse("")),
                Progress.parse(text(object, "progress")),
                text(object, "failReason"),
                buttons(object.path("buttons")),
                text(object, "maskBase64"),
                properties.isObject()
                        ? new TaskProperties(text(properties, "finalPrompt"), text(properties, "finalZhPrompt"))
                        : TaskProperties.NONE,
                json);
    }

    /** The task as JSON, exactly the object received. */
    public byte[] write(Task task) {
        return task.json().getBytes(StandardCharsets.UTF_8);
    }

    /** The task as a JSON tree (a fresh copy each call). */
    public JsonNode toTree(Task task) {
        try {
            return mapper.readTree(task.json());
        } catch (JacksonException e) {
            throw new IllegalStateException("a parsed task's JSON no longer parses", e);
        }
    }

    /**
     * The message of an error answer, in either shape providers use, or empty where the body is not
     * one.
     */
    public Optional<UpstreamError> parseError(byte[] body) {
        JsonNode node;
        try {
            node = mapper.readTree(body);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
        JsonNode error = node.get("error");
        if (error != null && error.isObject()) {
            return Optional.of(new UpstreamError(text(error, "code"),
                    Optional.ofNullable(text(error, "message")).orElse(Optional.ofNullable(text(error, "type")).orElse(""))));
        }
        if (error != null && error.isTextual()) {
            return Optional.of(new UpstreamError(null, error.textValue()));
        }
        if (node.has("code") && (node.has("description") || node.has("message"))) {
            String message = text(node, "description") != null ? text(node, "description") : text(node, "message");
            return Optional.of(new UpstreamError(text(node, "code"), message == null ? "" : message));
        }
        return Optional.empty();
    }

    private ObjectNode readObject(byte[] body) {
        JsonNode node = readTree(body);
        if (!node.isObject()) {
            throw new TaskParseException(TaskParseException.Reason.NOT_AN_OBJECT,
                    "JSON " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " is not a task");
        }
        return (ObjectNode) node;
    }

    private JsonNode readTree(byte[] body) {
        if (body == null || firstNonBlank(body) < 0) {
            throw new TaskParseException(TaskParseException.Reason.EMPTY, "empty body");
        }
        if (firstNonBlank(body) == '<') {
            throw new TaskParseException(TaskParseException.Reason.HTML, "HTML page: " + quote(body));
        }
        JsonNode node;
        try {
            node = mapper.readTree(body);
        } catch (JsonEOFException e) {
            throw new TaskParseException(TaskParseException.Reason.TRUNCATED, "JSON ends early: " + quote(body));
        } catch (IOException e) {
            throw new TaskParseException(TaskParseException.Reason.NOT_JSON, "not JSON: " + quote(body));
        }
        if (node == null || node.isMissingNode()) {
            throw new TaskParseException(TaskParseException.Reason.NOT_AN_OBJECT, "JSON nothing is not a task");
        }
        return node;
    }

    private String describeError(ObjectNode object) {
        return parseError(compact(object).getBytes(StandardCharsets.UTF_8))
                .map(error -> "error answer" + (error.code() == null ? "" : " " + error.code()) + ": " + shorten(error.message()))
                .orElse("object has neither id nor status");
    }

    private static List<Button> buttons(JsonNode node) {
        if (!node.isArray()) {
            return List.of();
        }
        List<Button> buttons = new ArrayList<>(node.size());
        for (JsonNode button : node) {
            if (button.isObject()) {
                buttons.add(new Button(text(button, "customId"), text(button, "label"), text(button, "type"),
                        text(button, "style"), text(button, "emoji")));
            }
        }
        return buttons;
    }

    /** A scalar field as text (numbers and booleans included); null when absent, null or not a scalar. */
    private static String text(JsonNode object, String field) {
        JsonNode value = object.get(field);
        return value == null || !value.isValueNode() || value.isNull() ? null : value.asText();
    }

    /** Epoch milliseconds given as a number or a numeric string; null otherwise. */
    private static Long epochMillis(JsonNode object, String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value.longValue();
        }
        if (value.isNumber()) {
            return (long) value.doubleValue();
        }
        if (value.isTextual()) {
            try {
                return Long.parseLong(value.textValue().strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private String compact(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JacksonException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int firstNonBlank(byte[] body) {
        for (byte b : body) {
            if (!Character.isWhitespace(b)) {
                return b;
            }
        }
        return -1;
    }

    private static String quote(byte[] body) {
        return shorten(new String(body, 0, Math.min(body.length, QUOTE_LIMIT * 2), StandardCharsets.UTF_8));
    }

    private static String shorten(String text) {
        String clean = text.strip().replaceAll("\\p{Cntrl}", " ");
        return clean.length() > QUOTE_LIMIT ? clean.substring(0, QUOTE_LIMIT) + "..." : clean;
    }
}
