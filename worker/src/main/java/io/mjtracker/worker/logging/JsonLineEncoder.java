package io.mjtracker.worker.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Set;
import org.slf4j.event.KeyValuePair;

/**
 * One JSON object per line, with the field names log shippers map without configuration:
 * {@code timestamp} (ISO-8601, UTC, milliseconds), {@code level}, {@code logger}, {@code thread},
 * {@code instance} (the worker's instance id, so lines of several workers in one place stay apart),
 * {@code message}, then the event's key-value pairs ({@code task_id}, {@code upstream}, {@code partition}
 * where a line is about one) and MDC entries as fields of their own, and {@code exception} (the stack
 * trace as text) where there is one. Public with a no-argument constructor for logback's XML (the
 * command line's configuration), where lines carry no instance.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {

    /** Fields of every line, which an event's own key-value pairs must not overwrite. */
    private static final Set<String> RESERVED =
            Set.of("timestamp", "level", "logger", "thread", "instance", "message", "exception");

    private final JsonFactory json = new JsonFactory();
    private final String instance;

    public JsonLineEncoder() {
        this(null);
    }

    JsonLineEncoder(String instance) {
        this.instance = instance;
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        try (JsonGenerator out = json.createGenerator(line)) {
            out.writeStartObject();
            out.writeStringField("timestamp", event.getInstant().truncatedTo(ChronoUnit.MILLIS).toString());
            out.writeStringField("level", event.getLevel().toString());
            out.writeStringField("logger", event.getLoggerName());
            out.writeStringField("thread", event.getThreadName());
            if (instance != null) {
                out.writeStringField("instance", instance);
            }
            out.writeStringField("message", event.getFormattedMessage());
            if (event.getKeyValuePairs() != null) {
                for (KeyValuePair pair : event.getKeyValuePairs()) {
                    writeField(out, pair.key, String.valueOf(pair.value));
                }
            }
            for (Map.Entry<String, String> entry : event.getMDCPropertyMap().entrySet()) {
                writeField(out, entry.getKey(), entry.getValue());
            }
            IThrowableProxy error = event.getThrowableProxy();
            if (error != null) {
                out.writeStringField("exception", ThrowableProxyUtil.asString(error));
            }
            out.writeEndObject();
        } catch (IOException e) { // writing to memory; only a broken generator gets here
            throw new UncheckedIOException("could not write a log line as JSON", e);
        }
        line.write('\n');
        return line.toByteArray();
    }

    private static void writeField(JsonGenerator out, String key, String value) throws IOException {
        if (key != null && !RESERVED.contains(key)) {
            out.writeStringField(key, value);
        }
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }
}
