package io.mjtracker.worker.intake;

import java.util.BitSet;
import java.util.Collection;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * Out-of-order completion for one partition. Tasks finish in any order; the committed offset is the
 * lowest offset not yet done, and the commit's metadata records which offsets above it are still
 * pending (see {@link OffsetMetadataCodec}), so a new owner skips the ones already done rather than
 * publishing their results twice.
 *
 * <p>Offsets are kept as a bit set of pending offsets relative to a moving base. Offsets never
 * received below the highest received one (transaction markers, compacted records) are not pending.
 * Not thread-safe: the consumer thread owns it.
 */
public final class PartitionOffsets {

    /** Finished offsets may run at most this far ahead of the commit point (the metadata has a size limit). */
    public static final int MAX_SPAN = OffsetMetadataCodec.MAX_SPAN;

    private long base;
    private long highestReceived;
    private BitSet pending = new BitSet();
    private final OffsetMetadataCodec.Window restored;

    /**
     * @param committedOffset the group's committed offset (the first record the consumer will read)
     * @param restored what the committed metadata says is still pending above it
     */
    public PartitionOffsets(long committedOffset, OffsetMetadataCodec.Window restored) {
        this.base = committedOffset;
        this.highestReceived = committedOffset - 1;
        this.restored = restored;
    }

    /** True where a previous owner already finished and committed this offset's result. */
    public boolean alreadyDone(long offset) {
        return restored.done(offset);
    }

    /** A record at {@code offset} was taken in; offsets arrive in increasing order. */
    public void received(long offset) {
        if (offset <= highestReceived) {
            return;
        }
        highestReceived = offset;
        pending.set(index(offset));
    }

    /** Whether finishing {@code offset} now keeps the pending window small enough to commit. */
    public boolean withinCommitWindow(long offset) {
        return offset - commitPoint(pending) < MAX_SPAN;
    }

    /** The offset's result is durably published. */
    public void completed(long offset) {
        if (offset >= base && offset <= highestReceived) {
            pending.clear(index(offset));
        }
        compact();
    }

    /** Pending offsets (received, not yet completed). */
    public int pendingCount() {
        return pending.cardinality();
    }

    /** What to commit now. */
    public OffsetAndMetadata committable() {
        return committable(pending);
    }

    /** What to commit once {@code alsoDone} are published too, without changing this tracker. */
    public OffsetAndMetadata committableWith(Collection<Long> alsoDone) {
        BitSet view = (BitSet) pending.clone();
        for (long offset : alsoDone) {
            if (offset >= base && offset <= highestReceived) {
                view.clear(index(offset));
            }
        }
        return committable(view);
    }

    private OffsetAndMetadata committable(BitSet view) {
        long commit = commitPoint(view);
        int from = (int) (commit - base);
        int to = (int) (highestReceived - base + 1);
        return new OffsetAndMetadata(commit, OffsetMetadataCodec.encode(view.get(from, Math.max(from, to)), to - from));
    }

    private long commitPoint(BitSet view) {
        int first = view.nextSetBit(0);
        return first < 0 ? highestReceived + 1 : base + first;
    }

    private int index(long offset) {
        return Math.toIntExact(offset - base);
    }

    /** Moves the base up past finished offsets so the bit set stays as small as the pending window. */
    private void compact() {
        int first = pending.nextSetBit(0);
        int shift = first < 0 ? (int) (highestReceived + 1 - base) : first;
        if (shift >= 4096) {
            pending = pending.get(shift, Math.max(shift, pending.length()));
            base += shift;
        }
    }
}
