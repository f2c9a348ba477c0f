package io.mjtracker.worker.intake;

import io.mjtracker.worker.publish.Checkpoint;
import io.mjtracker.worker.publish.DeadLetter;
import io.mjtracker.worker.publish.Transaction;
import io.mjtracker.worker.tracking.Completion;
import io.mjtracker.worker.tracking.TaskRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * One result transaction, planned from what has finished (docs/progress.md): the results and dead
 * letters of partitions still owned, the checkpoints that let a pinned commit point move on, and for
 * every owned partition the offset and metadata that describe all of it as done. What cannot be
 * described within the metadata's bounds yet (a checkpointed request finished far ahead of the read
 * position while the sparse list is full) is held for a later transaction. Pure bookkeeping on the
 * consumer thread; {@link #applyCommitted} updates the partitions once the transaction is committed.
 */
final class CommitPlan {

    /** Most checkpoints written in one transaction, so one transaction stays small and quick. */
    static final int MAX_CHECKPOINTS = 1_000;

    private record Published(TopicPartition partition, long assignment, TaskRequest request, long anchor) {}

    private record Moved(TopicPartition partition, long assignment, TaskRequest request, long oldAnchor) {}

    private final List<Completion> results = new ArrayList<>();
    private final List<Published> published = new ArrayList<>();
    private final List<DeadLetter> letters = new ArrayList<>();
    private final List<Checkpoint> checkpoints = new ArrayList<>();
    private final List<Moved> moved = new ArrayList<>();
    private final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    private final Map<TopicPartition, Long> assignments = new HashMap<>();
    private final List<Completion> held = new ArrayList<>();
    private final List<Completion> deferred = new ArrayList<>();
    private final List<DeadLetter> deferredLetters = new ArrayList<>();
    private final Set<TopicPartition> checkpointed = new HashSet<>();
    private final TransactionBounds bounds;
    private final Predicate<String> unavailableNow;
    private int records;
    private long bytes;
    private boolean full;
    private final List<Completion> discarded = new ArrayList<>();
    private final List<DeadLetter> heldLetters = new ArrayList<>();

    private CommitPlan(TransactionBounds bounds, Predicate<String> unavailableNow) {
        this.bounds = bounds;
        this.unavailableNow = unavailableNow;
    }

    /**
     * @param finished completions collected and not yet published
     * @param pendingLetters dead letters not yet published
     * @param unavailableClockMillis each upstream's unavailability clock now, by profile, for checkpoint credits
     * @param unavailableNow whether a profile's upstream cannot be asked now: its requests are checkpointed
     *     past the line whatever share of the window is pending
     * @param bounds most records and bytes the transaction may write: what is over them waits for the next one
     */
    static CommitPlan plan(Map<TopicPartition, OwnedPartition> owned, List<Completion> finished,
            List<DeadLetter> pendingLetters, CheckpointCodec codec, ToLongFunction<String> unavailableClockMillis,
            Predicate<String> unavailableNow, TransactionBounds bounds) {
        CommitPlan plan = new CommitPlan(bounds, unavailableNow);
        Map<TopicPartition, List<Completion>> finishedBy = new HashMap<>();
        Set<TaskRequest> finishing = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Completion completion : finished) {
            TopicPartition partition = partitionOf(completion.request());
            OwnedPartition state = owned.get(partition);
            if (state == null || state.assignment != completion.request().assignment()
                    || !state.anchors.containsKey(completion.request())) {
                plan.discarded.add(completion);
            } else {
                finishedBy.computeIfAbsent(partition, p -> new ArrayList<>()).add(completion);
                finishing.add(completion.request());
            }
        }
        Map<TopicPartition, List<DeadLetter>> lettersBy = new HashMap<>();
        for (DeadLetter letter : pendingLetters) {
            TopicPartition partition = new TopicPartition(letter.original().topic(), letter.original().partition());
            OwnedPartition state = owned.get(partition);
            // A letter of an earlier assignment (put back after an abort that outlived a rebalance) is the
            // new assignment's to write: it reads the record again.
            if (state != null && state.assignment == letter.assignment()) {
                lettersBy.computeIfAbsent(partition, p -> new ArrayList<>()).add(letter);
            }
        }
        owned.forEach((partition, state) -> plan.planPartition(partition, state,
                finishedBy.getOrDefault(partition, List.of()), lettersBy.getOrDefault(partition, List.of()),
                finishing, codec, unavailableClockMillis));
        return plan;
    }

    private void planPartition(TopicPartition partition, OwnedPartition state, List<Completion> done,
            List<DeadLetter> pendingLetters, Set<TaskRequest> finishing, CheckpointCodec codec,
            ToLongFunction<String> unavailableClockMillis) {
        List<TaskRequest> toMove = new ArrayList<>();
        long line = state.progress.checkpointLine();
        if (line != Long.MIN_VALUE) {
            // Stragglers when few requests below the line are pending; and always the requests of an upstream
            // that cannot be asked now, which will not finish soon: left in place, a dead upstream's share of
            // the traffic would fill every partition's window and pause intake for all upstreams long before
            // the in-flight cap.
            boolean stragglers = state.progress.checkpointBelow() != Long.MIN_VALUE;
            state.anchors.forEach((request, anchor) -> {
                if (anchor < line && !finishing.contains(request) && checkpoints.size() + toMove.size() < MAX_CHECKPOINTS
                        && (stragglers || unavailableNow.test(request.upstream()))) {
                    toMove.add(request);
                }
            });
        }
        List<Completion> included = new ArrayList<>(done);
        List<DeadLetter> partitionLetters = new ArrayList<>(pendingLetters);
        withinBounds(included, partitionLetters, toMove);
        Optional<OffsetAndMetadata> commit = state.progress.committableWith(doneOffsets(state, included, partitionLetters, toMove));
        if (commit.isEmpty()) {
            // Results finished far ahead of the read position do not fit the metadata yet: keep them for
            // a later transaction, once the consumer has read up to them.
            long readPosition = state.progress.readPosition();
            included.removeIf(completion -> {
                boolean ahead = state.anchors.get(completion.request()) >= readPosition;
                if (ahead) {
                    held.add(completion);
                }
                return ahead;
            });
            commit = state.progress.committableWith(doneOffsets(state, included, partitionLetters, toMove));
        }
        if (commit.isEmpty()) {
            held.addAll(included);
            heldLetters.addAll(partitionLetters);
            return;
        }
        if (included.isEmpty() && partitionLetters.isEmpty() && toMove.isEmpty() && commit.get().equals(state.lastCommitted)) {
            return; // nothing of this partition moves: its offsets stay out of the transaction
        }
        offsets.put(partition, commit.get());
        assignments.put(partition, state.assignment);
        for (Completion completion : included) {
            results.add(completion);
            published.add(new Published(partition, state.assignment, completion.request(), state.anchors.get(completion.request())));
        }
        letters.addAll(partitionLetters);
        for (TaskRequest request : toMove) {
            checkpoints.add(codec.checkpoint(request, unavailableClockMillis.applyAsLong(request.upstream())));
            moved.add(new Moved(partition, state.assignment, request, state.anchors.get(request)));
        }
        if (!toMove.isEmpty()) {
            checkpointed.add(partition);
        }
    }

    /**
     * Keeps what fits the transaction's bounds (checkpoints first: they unpin the commit point; then dead
     * letters, then results) and defers the rest to the next transaction. A backlog that built up while
     * the broker was away thus goes out in transactions of bounded size, each well within the
     * transaction timeout and the producer's buffer, instead of one so large that it never completes.
     */
    private void withinBounds(List<Completion> included, List<DeadLetter> partitionLetters, List<TaskRequest> toMove) {
        toMove.removeIf(request -> !take(TransactionBounds.estimatedBytes(request)));
        partitionLetters.removeIf(letter -> {
            boolean over = !take(TransactionBounds.estimatedBytes(letter));
            if (over) {
                deferredLetters.add(letter);
            }
            return over;
        });
        included.removeIf(completion -> {
            boolean over = !take(TransactionBounds.estimatedBytes(completion));
            if (over) {
                deferred.add(completion);
            }
            return over;
        });
    }

    /**
     * Counts one more record of about {@code bytes} against the bounds; false once they are reached, and
     * from then on for every record, so later partitions do not slip small records past earlier ones. The
     * first record always fits: a single large one (trimmed to the record limit) must still go out.
     */
    private boolean take(int bytes) {
        if (full || records > 0 && (records >= bounds.maxRecords() || bytes + this.bytes > bounds.maxBytes())) {
            full = true;
            return false;
        }
        records++;
        this.bytes += bytes;
        return true;
    }

    private static List<Long> doneOffsets(OwnedPartition state, List<Completion> done, List<DeadLetter> letters, List<TaskRequest> moved) {
        List<Long> offsets = new ArrayList<>(done.size() + letters.size() + moved.size());
        done.forEach(completion -> offsets.add(state.anchors.get(completion.request())));
        letters.forEach(letter -> offsets.add(letter.original().offset()));
        moved.forEach(request -> offsets.add(state.anchors.get(request)));
        return offsets;
    }

    /** The transaction to publish; {@link Transaction#writesNothing()} where there is nothing to do. */
    Transaction transaction() {
        return new Transaction(results, letters, checkpoints, offsets);
    }

    /** Completions of partitions no longer owned (or of an earlier assignment): their new owner redoes them. */
    List<Completion> discarded() {
        return discarded;
    }

    /** Completions that must wait for a later transaction. */
    List<Completion> held() {
        return held;
    }

    /** Dead letters that must wait for a later transaction. */
    List<DeadLetter> heldLetters() {
        return heldLetters;
    }

    /**
     * Completions that fit no more into this transaction's bounds: the next transaction takes them, with
     * no need to read further first (unlike {@link #held()}).
     */
    List<Completion> deferred() {
        return deferred;
    }

    /** Dead letters over this transaction's bounds, for the next one. */
    List<DeadLetter> deferredLetters() {
        return deferredLetters;
    }

    /** True where something was left for the next transaction only because this one was full. */
    boolean full() {
        return full;
    }

    /**
     * Partitions this transaction writes checkpoints to. Until its commit is known, they must not be read:
     * a checkpoint the broker committed while the client timed out would otherwise be taken in as a new
     * request, besides the original that {@link #applyCommitted} moves to it (two results for one request).
     */
    Set<TopicPartition> checkpointedPartitions() {
        return checkpointed;
    }

    /**
     * Records the committed transaction in the partitions still owned under the same assignment: its
     * results and dead letters are done, and each checkpointed request now lives at its new offset.
     */
    void applyCommitted(Map<TopicPartition, OwnedPartition> owned, List<Long> checkpointOffsets) {
        offsets.forEach((partition, offset) -> {
            OwnedPartition state = owned.get(partition);
            if (state != null && state.assignment == assignments.get(partition)) {
                state.lastCommitted = offset;
            }
        });
        for (Published entry : published) {
            OwnedPartition state = owned.get(entry.partition());
            if (state != null && state.assignment == entry.assignment()) {
                state.progress.done(entry.anchor());
                state.anchors.remove(entry.request());
            }
        }
        for (DeadLetter letter : letters) {
            OwnedPartition state = owned.get(new TopicPartition(letter.original().topic(), letter.original().partition()));
            if (state != null) {
                state.progress.done(letter.original().offset());
            }
        }
        for (int i = 0; i < moved.size(); i++) {
            Moved entry = moved.get(i);
            OwnedPartition state = owned.get(entry.partition());
            if (state != null && state.assignment == entry.assignment() && state.anchors.containsKey(entry.request())) {
                long newAnchor = checkpointOffsets.get(i);
                state.progress.done(entry.oldAnchor());
                state.progress.adopt(newAnchor);
                state.anchors.put(entry.request(), newAnchor);
            }
        }
    }

    int checkpointCount() {
        return checkpoints.size();
    }

    private static TopicPartition partitionOf(TaskRequest request) {
        return new TopicPartition(request.source().topic(), request.source().partition());
    }
}
