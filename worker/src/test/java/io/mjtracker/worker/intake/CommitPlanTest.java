package io.mjtracker.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.RequestRef;
import io.mjtracker.common.record.TrackingFacts;
import io.mjtracker.worker.publish.DeadLetter;
import io.mjtracker.worker.tracking.Completion;
import io.mjtracker.worker.tracking.TaskRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** What one result transaction takes of the finished work, and what it leaves for the next. */
class CommitPlanTest {

    private static final TopicPartition P0 = new TopicPartition("in", 0);
    private static final TransactionBounds UNBOUNDED = new TransactionBounds(Integer.MAX_VALUE, Long.MAX_VALUE);

    private final CheckpointCodec codec = new CheckpointCodec(new ObjectMapper());
    private final OwnedPartition partition = new OwnedPartition(1,
            PartitionProgress.restored(OffsetMetadataCodec.Window.nothingDoneAbove(0), 500));
    private final Map<TopicPartition, OwnedPartition> owned = Map.of(P0, partition);

    /** Requests at offsets 0..count-1 read and finished, each with a task of {@code taskChars}. */
    private List<Completion> finished(int count, int taskChars) {
        List<Completion> done = new ArrayList<>();
        for (int offset = 0; offset < count; offset++) {
            partition.progress.arrive(offset);
            TaskRequest request = new TaskRequest("t" + offset, "default", new RequestRef("in", 0, offset), new Header[0],
                    JsonNodeFactory.instance.objectNode(), 1L, 0, 0, 1);
            partition.anchors.put(request, (long) offset);
            String task = "{\"id\":\"t" + offset + "\",\"status\":\"SUCCESS\",\"prompt\":\"" + "p".repeat(taskChars) + "\"}";
            done.add(new Completion(request, FinalResult.of("t" + offset, "default", Outcome.SUCCEEDED, null, task,
                    new TrackingFacts(1L, 2L, 3L, 1), request.source(), request.metadata())));
        }
        return done;
    }

    private CommitPlan plan(List<Completion> finished, TransactionBounds bounds) {
        return CommitPlan.plan(owned, finished, List.of(), codec, upstream -> 0L, upstream -> false, bounds);
    }

    @Test
    void aBacklogLeavesInTransactionsOfBoundedCountEachCommittingWhatItCarries() {
        List<Completion> backlog = finished(12_000, 10);

        List<Integer> sizes = new ArrayList<>();
        List<Completion> waiting = backlog;
        while (!waiting.isEmpty()) {
            CommitPlan plan = plan(waiting, new TransactionBounds(5_000, Long.MAX_VALUE));
            sizes.add(plan.transaction().results().size());
            assertThat(plan.transaction().offsets().get(P0).offset()).as("the commit covers exactly what this transaction publishes")
                    .isEqualTo(sizes.stream().mapToInt(Integer::intValue).sum());
            plan.applyCommitted(owned, List.of());
            assertThat(plan.full()).isEqualTo(!plan.deferred().isEmpty());
            waiting = plan.deferred();
        }
        assertThat(sizes).containsExactly(5_000, 5_000, 2_000);
    }

    @Test
    void aTransactionIsBoundedByBytesButAlwaysCarriesAtLeastOneRecord() {
        List<Completion> large = finished(10, 400_000);

        CommitPlan plan = plan(large, new TransactionBounds(5_000, 1_000_000));
        assertThat(plan.transaction().results()).as("two of 400 kB fit 1 MB, a third does not").hasSize(2);
        assertThat(plan.deferred()).hasSize(8);

        CommitPlan tiny = plan(plan.deferred(), new TransactionBounds(5_000, 1_000));
        assertThat(tiny.transaction().results()).as("one record larger than the bound still goes out alone").hasSize(1);
    }

    @Test
    void withoutBoundsEverythingFinishedGoesIntoOneTransaction() {
        CommitPlan plan = plan(finished(3_000, 10), UNBOUNDED);
        assertThat(plan.transaction().results()).hasSize(3_000);
        assertThat(plan.deferred()).isEmpty();
        assertThat(plan.full()).isFalse();
        assertThat(plan.checkpointedPartitions()).as("no straggler, no checkpoint").isEmpty();
    }

    @Test
    void thePartitionsATransactionCheckpointsIntoAreNamed() {
        List<Completion> done = finished(PartitionProgress.CHECKPOINT_SPAN + 2, 10);
        // The request at offset 0 is still running while every later one finished and was published: a
        // straggler to checkpoint.
        plan(done.subList(1, done.size()), UNBOUNDED).applyCommitted(owned, List.of());
        CommitPlan plan = plan(List.of(), UNBOUNDED);

        assertThat(plan.checkpointCount()).isEqualTo(1);
        assertThat(plan.checkpointedPartitions()).containsExactly(P0);
    }

    @Test
    void aTransactionCarriesOnlyTheOffsetsItMoves() {
        TopicPartition p1 = new TopicPartition("in", 1);
        OwnedPartition quiet = new OwnedPartition(2, PartitionProgress.restored(OffsetMetadataCodec.Window.nothingDoneAbove(40), 500));
        Map<TopicPartition, OwnedPartition> both = Map.of(P0, partition, p1, quiet);
        List<Completion> done = finished(4, 10);

        CommitPlan first = CommitPlan.plan(both, done.subList(0, 2), List.of(), codec, upstream -> 0L, upstream -> false, UNBOUNDED);
        first.applyCommitted(both, List.of());
        CommitPlan second = CommitPlan.plan(both, done.subList(2, 4), List.of(), codec, upstream -> 0L, upstream -> false, UNBOUNDED);

        assertThat(first.transaction().offsets()).as("a partition never committed by this owner is committed once")
                .containsOnlyKeys(P0, p1);
        assertThat(second.transaction().offsets()).as("its commit did not move since").containsOnlyKeys(P0);
        assertThat(second.transaction().offsets().get(P0).offset()).isEqualTo(4);
    }

    @Test
    void aDeadLetterOfAnEarlierAssignmentIsLeftToTheOwnerThatReadsItAgain() {
        var record = new org.apache.kafka.clients.consumer.ConsumerRecord<>("in", 0, 0L, new byte[0], "{".getBytes());
        partition.progress.arrive(0);
        DeadLetter current = new DeadLetter(record, DeadLetterReason.BAD_JSON, "not JSON", partition.assignment);
        DeadLetter earlier = new DeadLetter(record, DeadLetterReason.BAD_JSON, "not JSON", partition.assignment - 1);

        assertThat(CommitPlan.plan(owned, List.of(), List.of(earlier), codec, upstream -> 0L, upstream -> false, UNBOUNDED).transaction().deadLetters())
                .as("put back after an abort that outlived a rebalance: the new assignment reads the record again").isEmpty();
        assertThat(CommitPlan.plan(owned, List.of(), List.of(current), codec, upstream -> 0L, upstream -> false, UNBOUNDED).transaction().deadLetters())
                .containsExactly(current);
    }

    @Test
    void requestsOfAnUpstreamThatCannotBeAskedAreCheckpointedPastTheLineWhateverShareIsPending() {
        // One request in ten is for an upstream that is away: 10% pending below the line, more than the
        // one in sixteen that makes stragglers; those of a live upstream stay where they are.
        int count = PartitionProgress.CHECKPOINT_SPAN + 2;
        List<Completion> done = new ArrayList<>();
        List<TaskRequest> away = new ArrayList<>();
        for (int offset = 0; offset < count; offset++) {
            partition.progress.arrive(offset);
            String upstream = offset % 10 == 0 ? "dead" : "default";
            TaskRequest request = new TaskRequest("t" + offset, upstream, new RequestRef("in", 0, offset), new Header[0],
                    JsonNodeFactory.instance.objectNode(), 1L, 0, 0, 1);
            partition.anchors.put(request, (long) offset);
            if (upstream.equals("dead")) {
                away.add(request);
            } else {
                done.add(new Completion(request, FinalResult.of(request.taskId(), upstream, Outcome.SUCCEEDED, null, "{}",
                        new TrackingFacts(1L, 2L, 3L, 1), request.source(), request.metadata())));
            }
        }
        CommitPlan.plan(owned, done, List.of(), codec, upstream -> 0L, upstream -> false, UNBOUNDED).applyCommitted(owned, List.of());

        CommitPlan live = CommitPlan.plan(owned, List.of(), List.of(), codec, upstream -> 0L, upstream -> false, UNBOUNDED);
        assertThat(live.checkpointCount()).as("10% pending is no straggler share: the window is left as it is").isZero();

        CommitPlan deadAway = CommitPlan.plan(owned, List.of(), List.of(), codec, upstream -> 0L, upstream -> upstream.equals("dead"), UNBOUNDED);
        long below = partition.progress.checkpointLine();
        assertThat(deadAway.checkpointCount()).as("every request of the dead upstream below the line")
                .isEqualTo((int) away.stream().filter(request -> request.source().offset() < below).count()).isPositive();
        assertThat(deadAway.transaction().offsets().get(P0).offset()).as("the commit point moves past them")
                .isGreaterThanOrEqualTo(below - 10);
    }

    @Test
    void completionsFarAheadOfTheReadPositionWaitWhileTheSparseListIsFullAndGoOnceItIsReadUpTo() {
        List<Completion> done = new ArrayList<>(finished(10, 10));
        // Checkpoints far ahead (the partition paused behind a backlog) whose requests finish before the
        // consumer reads them: more of them than the metadata's sparse list holds.
        long far = 1_000_000;
        int ahead = OffsetMetadataCodec.MAX_SPARSE + 6;
        for (int i = 0; i < ahead; i++) {
            long offset = far + i * 2L;
            partition.progress.adopt(offset);
            TaskRequest request = new TaskRequest("a" + i, "default", new RequestRef("in", 0, i), new Header[0],
                    JsonNodeFactory.instance.objectNode(), 1L, 0, 0, 1);
            partition.anchors.put(request, offset);
            done.add(new Completion(request, FinalResult.of("a" + i, "default", Outcome.SUCCEEDED, null, "{}",
                    new TrackingFacts(1L, 2L, 3L, 1), request.source(), request.metadata())));
        }

        CommitPlan plan = plan(done, UNBOUNDED);
        assertThat(plan.transaction().results()).as("what was read is published").hasSize(10);
        assertThat(plan.held()).as("what is ahead waits, all of it: the sparse list cannot take it").hasSize(ahead);
        assertThat(plan.transaction().offsets().get(P0).offset()).isEqualTo(10);
        plan.applyCommitted(owned, List.of());

        for (long offset = 10; offset < far; offset += 1_000) {
            partition.progress.arrive(offset); // the backlog read; its own requests are not this test's
            partition.progress.done(offset);
        }
        for (int i = 0; i < ahead; i++) {
            partition.progress.arrive(far + i * 2L);
        }
        CommitPlan later = plan(plan.held(), UNBOUNDED);
        assertThat(later.held()).as("read up to, they fit the dense window").isEmpty();
        assertThat(later.transaction().results()).hasSize(ahead);
    }
}
