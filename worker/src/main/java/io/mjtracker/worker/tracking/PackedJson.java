package io.mjtracker.worker.tracking;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Keeps each tracked task's last fetched JSON deflated: a worker holds up to hundreds of thousands of
 * them only for the rare result that needs one (TIMED_OUT, NOT_FOUND after a sighting, FAILED on
 * garbage), and task JSON compresses to about half. Not thread-safe: the tracker thread owns it.
 */
final class PackedJson {

    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
    private final Inflater inflater = new Inflater(true);
    private final byte[] buffer = new byte[8192];

    byte[] pack(String json) {
        deflater.reset();
        deflater.setInput(json.getBytes(StandardCharsets.UTF_8));
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length() / 2 + 16);
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        return out.toByteArray();
    }

    String unpack(byte[] packed) {
        if (packed == null) {
            return null;
        }
        inflater.reset();
        inflater.setInput(packed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(packed.length * 3);
        try {
            while (!inflater.finished()) {
                int read = inflater.inflate(buffer);
                if (read == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                out.write(buffer, 0, read);
            }
        } catch (DataFormatException e) {
            throw new IllegalStateException("a task's packed JSON is corrupt", e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
