package io.mjtracker.worker.intake;

import java.util.Base64;
import java.util.BitSet;

/**
 * Encodes which offsets above a committed offset are still pending, in the commit's metadata string,
 * and decodes it for the next owner of the partition. Format: {@code mjt1:<span>:<base64 bit set>}
 * where bit {@code i} set means offset {@code committed + i} is still to do, for {@code i < span};
 * offsets at or past {@code committed + span} were never taken. An empty string means nothing is done
 * above the committed offset. Anything else (another tool's metadata) is read as empty, which is
 * safe: it can only cause a result to be published again, never lost.
 */
public final class OffsetMetadataCodec {

    private static final String PREFIX = "mjt1:";
    /** Brokers cap metadata at {@code offset.metadata.max.bytes} (default 4096): 16000 bits fit in base64. */
    static final int MAX_SPAN = 16_000;

    private OffsetMetadataCodec() {}

    /** The offsets a committed position says are done, for one partition. */
    public record Window(long committedOffset, int span, BitSet pending) {
        public static final Window EMPTY = new Window(0, 0, new BitSet());

        /** True where {@code offset} lies in the window and is not pending. */
        public boolean done(long offset) {
            long index = offset - committedOffset;
            return index >= 0 && index < span && !pending.get((int) index);
        }
    }

    static String encode(BitSet pendingFromCommit, int span) {
        if (span <= 0 || pendingFromCommit.cardinality() == span) {
            return "";
        }
        return PREFIX + span + ":" + Base64.getEncoder().withoutPadding().encodeToString(pendingFromCommit.toByteArray());
    }

    /** Reads the metadata committed with {@code committedOffset}. */
    public static Window decode(long committedOffset, String metadata) {
        if (metadata == null || !metadata.startsWith(PREFIX)) {
            return new Window(committedOffset, 0, new BitSet());
        }
        int colon = metadata.indexOf(':', PREFIX.length());
        if (colon < 0) {
            return new Window(committedOffset, 0, new BitSet());
        }
        try {
            int span = Integer.parseInt(metadata.substring(PREFIX.length(), colon));
            BitSet pending = BitSet.valueOf(Base64.getDecoder().decode(metadata.substring(colon + 1)));
            if (span < 0 || span > MAX_SPAN) {
                return new Window(committedOffset, 0, new BitSet());
            }
            return new Window(committedOffset, span, pending);
        } catch (IllegalArgumentException e) {
            return new Window(committedOffset, 0, new BitSet());
        }
    }
}
