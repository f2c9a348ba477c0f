package io.mjtracker.worker.intake;

import java.util.BitSet;
import java.util.Collection;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * Which offsets of one partition are done, for out-of-order completion (docs/progress.md). The
 * committed offset is the lowest offset not done; the commit's metadata lists the done offsets above
 * it ({@link OffsetMetadataCodec}), so a new owner skips exactly those.
 *
 * <p>Three kinds of offsets are tracked: offsets read and still pending (a bit set over the read
 * range), checkpoint records this owner wrote that the consumer has not read yet ({@code ownedAhead}:
 * still pending, skipped when read), and offsets not read yet that are already done ({@code doneAhead}:
 * restored from the previous owner's commit, or a checkpointed request that finished before its record
 * was read). Offsets below the read position that were never delivered (transaction markers, aborted
 * records) are done. Not thread-safe: the consumer thread owns it.
 */
public final class PartitionProgress {

    /** Past this many offsets between the commit point and the read position, old requests are checkpointed. */
    public static final int CHECKPOINT_SPAN = OffsetMetadataCodec.MAX_DENSE_SPAN / 2;
    private static final int COMPACT_AT = 4096;
    /** Pending requests below the checkpoint line count as stragglers while at most one in this many offsets is pending. */
    private static final int STRAGGLER_SHARE = 16;

    /** What an offset the consumer delivered is. */
    public enum Arrival {
        /** A request to track. */
        NEW,
        /** Done already (by a previous owner, or a checkpointed request that has finished): skip it. */
        DONE,
        /** A checkpoint record of this owner whose request is tracked already: skip it. */
        TRACKED
    }

    private final int readAheadMargin;
    private boolean positioned;
    private long base;
    private long readUpTo;
    private BitSet pending = new BitSet();
    private final TreeSet<Long> ownedAhead = new TreeSet<>();
    private final TreeSet<Long> doneAhead = new TreeSet<>();

    private PartitionProgress(int readAheadMargin) {
        this.readAheadMargin = readAheadMargin;
    }

    /**
     * The partition's progress from its committed offset and what the commit's metadata says is done.
     *
     * @param readAheadMargin most records one consumer poll may deliver for the partition: the window
     *     reports full this far before the metadata's bound, so one more poll cannot overflow it
     */
    public static PartitionProgress restored(OffsetMetadataCodec.Window window, int readAheadMargin) {
        PartitionProgress progress = new PartitionProgress(readAheadMargin);
        progress.positioned = true;
        progress.base = window.committedOffset();
        progress.readUpTo = window.committedOffset();
        for (long done : window.doneOffsets()) {
            progress.doneAhead.add(done);
        }
        return progress;
    }

    /** A partition without a committed offset: the position is learnt from the first record delivered. */
    public static PartitionProgress uncommitted(int readAheadMargin) {
        return new PartitionProgress(readAheadMargin);
    }

    /** The consumer delivered {@code offset}; offsets arrive in increasing order. */
    public Arrival arrive(long offset) {
        if (!positioned) {
            positioned = true;
            base = offset;
            readUpTo = offset;
        }
        if (offset < readUpTo) {
            return offset >= base && pending.get(index(offset)) ? Arrival.TRACKED : Arrival.DONE;
        }
        boolean done = doneAhead.contains(offset);
        boolean owned = ownedAhead.contains(offset);
        readUpTo = offset + 1;
        // Offsets skipped on the way were never delivered: markers, aborted records. A checkpoint of ours
        // among them (only if the log lost it) stays pending, so its request still finishes here.
        for (Long skippedOwned = ownedAhead.pollFirst(); skippedOwned != null; skippedOwned = ownedAhead.pollFirst()) {
            if (skippedOwned >= readUpTo) {
                ownedAhead.add(skippedOwned);
                break;
            }
            pending.set(index(skippedOwned));
        }
        doneAhead.headSet(readUpTo).clear();
        if (done) {
            return Arrival.DONE;
        }
        pending.set(index(offset));
        return owned ? Arrival.TRACKED : Arrival.NEW;
    }

    /** A checkpoint record of a request this owner tracks was committed at {@code offset}. */
    public void adopt(long offset) {
        if (offset >= readUpTo) {
            ownedAhead.add(offset);
        } else if (offset >= base) {
            pending.set(index(offset));
        }
    }

    /** What happened at {@code offset} is durably published (a result, a dead letter, or a checkpoint elsewhere). */
    public void done(long offset) {
        if (!positioned) {
            return;
        }
        if (offset < readUpTo) {
            if (offset >= base) {
                pending.clear(index(offset));
            }
        } else {
            ownedAhead.remove(offset);
            doneAhead.add(offset);
        }
        compact();
    }

    /** Requests read and not done, plus checkpoints of this owner not read back yet. */
    public int pendingCount() {
        return pending.cardinality() + ownedAhead.size();
    }

    /** Offsets between the commit point and the read position: what the dense metadata must describe. */
    public long readSpan() {
        return positioned ? readUpTo - commitPoint(pending) : 0;
    }

    /** True when reading one more poll's worth of records could outgrow the metadata: pause the partition. */
    public boolean windowFull() {
        return readSpan() >= OffsetMetadataCodec.MAX_DENSE_SPAN - readAheadMargin;
    }

    /**
     * Requests anchored below the returned offset should be checkpointed (re-enqueued) so that the commit
     * point can move on; {@link Long#MIN_VALUE} while the window is small enough, or while most requests
     * in it are still pending. Checkpoints are for the few stragglers that pin a window whose other
     * requests are done; a window full of requests in progress (read ahead of a busy upstream) is
     * better paused ({@link #windowFull()}) than rewritten.
     */
    public long checkpointBelow() {
        long below = checkpointLine();
        if (below == Long.MIN_VALUE) {
            return Long.MIN_VALUE;
        }
        long commit = commitPoint(pending);
        int pendingBelow = pending.get(index(commit), index(below)).cardinality();
        return pendingBelow * STRAGGLER_SHARE <= below - commit ? below : Long.MIN_VALUE;
    }

    /**
     * The line below which requests would be checkpointed once the window is wide, whatever share of them
     * is pending: for requests that cannot finish soon (their upstream is away), which would otherwise fill
     * the window and pause the partition for every upstream. {@link Long#MIN_VALUE} while the window is small.
     */
    public long checkpointLine() {
        return readSpan() <= CHECKPOINT_SPAN ? Long.MIN_VALUE : readUpTo - CHECKPOINT_SPAN / 2;
    }

    /** The next offset the consumer will deliver, or -1 before the first record of an uncommitted partition. */
    public long readPosition() {
        return positioned ? readUpTo : -1;
    }

    /**
     * What to commit once {@code alsoDone} are published too, without changing this progress; empty where
     * there is nothing to commit yet or the done offsets would not fit the metadata's bounds.
     */
    public Optional<OffsetAndMetadata> committableWith(Collection<Long> alsoDone) {
        if (!positioned) {
            return Optional.empty();
        }
        BitSet view = (BitSet) pending.clone();
        // Only the offsets added here are copied: doneAhead may hold thousands inherited from the previous
        // owner, and a plan asks this of every owned partition every commit interval.
        TreeSet<Long> alsoAhead = new TreeSet<>();
        for (long offset : alsoDone) {
            if (offset < readUpTo) {
                if (offset >= base) {
                    view.clear(index(offset));
                }
            } else {
                alsoAhead.add(offset);
            }
        }
        long commit = commitPoint(view);
        if (readUpTo - commit > OffsetMetadataCodec.MAX_DENSE_SPAN) {
            return Optional.empty();
        }
        long denseEnd = readUpTo;
        Long lastNearby = maxOf(doneAhead.lower(commit + OffsetMetadataCodec.MAX_DENSE_SPAN),
                alsoAhead.lower(commit + OffsetMetadataCodec.MAX_DENSE_SPAN));
        if (lastNearby != null && lastNearby >= denseEnd) {
            denseEnd = lastNearby + 1;
        }
        int span = (int) (denseEnd - commit);
        BitSet toDo = view.get(index(commit), index(readUpTo));
        for (long offset = readUpTo; offset < denseEnd; offset++) {
            if (!doneAhead.contains(offset) && !alsoAhead.contains(offset)) {
                toDo.set((int) (offset - commit));
            }
        }
        long[] sparse = LongStream.concat(
                doneAhead.tailSet(denseEnd).stream().mapToLong(Long::longValue),
                alsoAhead.tailSet(denseEnd).stream().mapToLong(Long::longValue)).sorted().distinct().toArray();
        return OffsetMetadataCodec.encode(commit, toDo, span, sparse).map(metadata -> new OffsetAndMetadata(commit, metadata));
    }

    private static Long maxOf(Long a, Long b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return Math.max(a, b);
    }

    private long commitPoint(BitSet view) {
        int first = view.nextSetBit(0);
        return first < 0 || base + first >= readUpTo ? readUpTo : base + first;
    }

    private int index(long offset) {
        return Math.toIntExact(offset - base);
    }

    /** Moves the base up past finished offsets so the bit set stays as small as the pending window. */
    private void compact() {
        int first = pending.nextSetBit(0);
        int shift = first < 0 ? (int) (readUpTo - base) : first;
        if (shift >= COMPACT_AT) {
            pending = pending.get(shift, Math.max(shift, pending.length()));
            base += shift;
        }
    }
}
