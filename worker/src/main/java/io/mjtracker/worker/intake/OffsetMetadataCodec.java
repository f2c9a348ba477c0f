package io.mjtracker.worker.intake;

import java.util.Arrays;
import java.util.Base64;
import java.util.BitSet;
import java.util.Optional;

/**
 * Encodes which offsets at or above a committed offset are already done, in the commit's metadata
 * string, and decodes it for the next owner of the partition (docs/progress.md).
 *
 * <p>Format {@code mjt2:<span>:<base64 bits>[;<d>,<d>...]}: bit {@code i} of the dense part set means
 * offset {@code committed + i} is still to do, for {@code i < span}; each {@code d} (base 36) names one
 * more done offset {@code committed + d} past the dense part (a checkpointed request that finished
 * before its checkpoint record was read). Every other offset is to do. The dense part covers at most
 * {@link #MAX_DENSE_SPAN} offsets and the sparse part at most {@link #MAX_SPARSE} entries, so an
 * encoding is at most {@link #MAX_LENGTH} characters: well under the broker's default
 * {@code offset.metadata.max.bytes} of 4096, by construction. (Earlier builds allowed the dense
 * part 8,192 offsets; such a reader takes a wider window as "nothing done above the commit", which
 * during a rolling upgrade can repeat a result, never lose one.) The older {@code mjt1:} form (dense only)
 * is still read. Anything else (another tool's metadata) reads as "nothing done above the commit",
 * which can only cause a result to be published again, never lost.
 */
public final class OffsetMetadataCodec {

    private static final String PREFIX = "mjt2:";
    private static final String LEGACY_PREFIX = "mjt1:";
    private static final int LEGACY_MAX_SPAN = 16_000;
    /**
     * Offsets the dense part may describe above the committed one. It bounds the requests one partition
     * holds in progress (they pause it when their window is full), so it is as wide as the broker's
     * 4,096 characters allow with the sparse part at its largest: 3,640 characters in all.
     */
    public static final int MAX_DENSE_SPAN = 16_384;
    /** Done offsets the sparse part may list past the dense part. */
    public static final int MAX_SPARSE = 64;
    /** Longest encoding: prefix, span, base64 of the dense bits, and the sparse deltas of up to 13 digits each. */
    public static final int MAX_LENGTH = PREFIX.length() + 5 + 1 + (MAX_DENSE_SPAN / 8 + 2) / 3 * 4 + 1 + MAX_SPARSE * 14;

    private OffsetMetadataCodec() {}

    /** The offsets a committed position says are done, for one partition. */
    public record Window(long committedOffset, int span, BitSet pending, long[] sparseDone) {

        public static Window nothingDoneAbove(long committedOffset) {
            return new Window(committedOffset, 0, new BitSet(), new long[0]);
        }

        /** True where {@code offset} is known done: in the dense part and not pending, or listed sparsely. */
        public boolean done(long offset) {
            long index = offset - committedOffset;
            if (index < 0) {
                return false;
            }
            if (index < span) {
                return !pending.get((int) index);
            }
            return Arrays.binarySearch(sparseDone, offset) >= 0;
        }

        /** Every done offset at or above the committed one, ascending. */
        public long[] doneOffsets() {
            long[] done = new long[span - pending.get(0, span).cardinality() + sparseDone.length];
            int n = 0;
            for (int i = pending.nextClearBit(0); i < span; i = pending.nextClearBit(i + 1)) {
                done[n++] = committedOffset + i;
            }
            for (long offset : sparseDone) {
                done[n++] = offset;
            }
            return done;
        }
    }

    /**
     * Encodes the done offsets at or above {@code committed}, or empty where they do not fit the bounds.
     *
     * @param pendingFromCommit bit {@code i} set: offset {@code committed + i} is still to do
     * @param span how far the dense part reaches ({@code pendingFromCommit} says nothing past it)
     * @param sparseDone done offsets at or past {@code committed + span}, ascending
     */
    static Optional<String> encode(long committed, BitSet pendingFromCommit, int span, long[] sparseDone) {
        if (span > MAX_DENSE_SPAN || sparseDone.length > MAX_SPARSE) {
            return Optional.empty();
        }
        boolean denseAllPending = pendingFromCommit.get(0, span).cardinality() == span;
        if (denseAllPending && sparseDone.length == 0) {
            return Optional.of("");
        }
        StringBuilder text = new StringBuilder(PREFIX).append(span).append(':')
                .append(Base64.getEncoder().withoutPadding().encodeToString(pendingFromCommit.get(0, span).toByteArray()));
        if (sparseDone.length > 0) {
            text.append(';');
            for (int i = 0; i < sparseDone.length; i++) {
                if (i > 0) {
                    text.append(',');
                }
                text.append(Long.toString(sparseDone[i] - committed, 36));
            }
        }
        return Optional.of(text.toString());
    }

    /** Reads the metadata committed with {@code committedOffset}. */
    public static Window decode(long committedOffset, String metadata) {
        if (metadata == null) {
            return Window.nothingDoneAbove(committedOffset);
        }
        boolean legacy = metadata.startsWith(LEGACY_PREFIX);
        if (!legacy && !metadata.startsWith(PREFIX)) {
            return Window.nothingDoneAbove(committedOffset);
        }
        int colon = metadata.indexOf(':', PREFIX.length());
        int semicolon = metadata.indexOf(';', Math.max(colon, 0));
        if (colon < 0 || legacy && semicolon >= 0) {
            return Window.nothingDoneAbove(committedOffset);
        }
        try {
            int span = Integer.parseInt(metadata.substring(PREFIX.length(), colon));
            if (span < 0 || span > (legacy ? LEGACY_MAX_SPAN : MAX_DENSE_SPAN)) {
                return Window.nothingDoneAbove(committedOffset);
            }
            String bits = semicolon < 0 ? metadata.substring(colon + 1) : metadata.substring(colon + 1, semicolon);
            BitSet pending = BitSet.valueOf(Base64.getDecoder().decode(bits));
            long[] sparse = semicolon < 0 ? new long[0] : Arrays.stream(metadata.substring(semicolon + 1).split(","))
                    .mapToLong(delta -> committedOffset + Long.parseLong(delta, 36))
                    .filter(offset -> offset >= committedOffset + span)
                    .sorted().distinct().limit(MAX_SPARSE).toArray();
            return new Window(committedOffset, span, pending, sparse);
        } catch (IllegalArgumentException e) {
            return Window.nothingDoneAbove(committedOffset);
        }
    }
}
