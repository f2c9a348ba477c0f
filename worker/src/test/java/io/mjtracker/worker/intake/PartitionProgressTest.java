package io.mjtracker.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

class PartitionProgressTest {

    private static final int MARGIN = 500;

    private static PartitionProgress fresh(long committed) {
        return PartitionProgress.restored(OffsetMetadataCodec.Window.nothingDoneAbove(committed), MARGIN);
    }

    private static OffsetAndMetadata commit(PartitionProgress progress) {
        return progress.committableWith(List.of()).orElseThrow();
    }

    /** What the next owner starts from, given what this one committed. */
    private static PartitionProgress handOver(OffsetAndMetadata commit) {
        return PartitionProgress.restored(OffsetMetadataCodec.decode(commit.offset(), commit.metadata()), MARGIN);
    }

    private static void read(PartitionProgress progress, long from, long to) {
        for (long offset = from; offset < to; offset++) {
            progress.arrive(offset);
        }
    }

    @Test
    void commitsOnlyUpToLowestUnfinishedOffset() {
        PartitionProgress progress = fresh(10);
        read(progress, 10, 15);
        progress.done(12);
        progress.done(14);

        assertThat(commit(progress).offset()).isEqualTo(10);
        progress.done(10);
        assertThat(commit(progress).offset()).isEqualTo(11);
        progress.done(11);
        assertThat(commit(progress).offset()).isEqualTo(13);
        progress.done(13);
        assertThat(commit(progress).offset()).isEqualTo(15);
        assertThat(commit(progress).metadata()).isEmpty();
    }

    @Test
    void newOwnerSkipsExactlyTheOffsetsDoneAboveTheCommit() {
        PartitionProgress before = fresh(0);
        read(before, 0, 6);
        before.done(2);
        before.done(4);

        PartitionProgress after = handOver(commit(before));

        List<PartitionProgress.Arrival> arrivals = new ArrayList<>();
        for (long offset = 0; offset < 7; offset++) {
            arrivals.add(after.arrive(offset));
        }
        assertThat(arrivals).containsExactly(PartitionProgress.Arrival.NEW, PartitionProgress.Arrival.NEW,
                PartitionProgress.Arrival.DONE, PartitionProgress.Arrival.NEW, PartitionProgress.Arrival.DONE,
                PartitionProgress.Arrival.NEW, PartitionProgress.Arrival.NEW);
    }

    @Test
    void anOwnerThatReadsNothingRecommitsWhatItInherited() {
        PartitionProgress first = fresh(100);
        read(first, 100, 110);
        for (long offset = 101; offset < 110; offset += 2) {
            first.done(offset);
        }
        OffsetAndMetadata inherited = commit(first);

        // Paused at its cap, the new owner reads nothing but still commits (other partitions finish work).
        PartitionProgress paused = handOver(inherited);
        OffsetAndMetadata recommitted = commit(paused);

        assertThat(recommitted.offset()).isEqualTo(inherited.offset());
        PartitionProgress third = handOver(recommitted);
        assertThat(LongStream.range(100, 111).filter(offset -> third.arrive(offset) == PartitionProgress.Arrival.DONE))
                .containsExactly(101L, 103L, 105L, 107L, 109L);
    }

    @Test
    void doneOffsetsSurviveManyHandoversWhatEverEachOwnerReads() {
        OffsetAndMetadata commit = new OffsetAndMetadata(0, "");
        List<Long> doneSoFar = new ArrayList<>();
        for (int owner = 0; owner < 20; owner++) {
            PartitionProgress progress = handOver(commit);
            long readTo = 5 + owner * 3L;
            for (long offset = commit.offset(); offset < readTo; offset++) {
                if (progress.arrive(offset) == PartitionProgress.Arrival.NEW && offset % 3 == owner % 3 && offset != 0) {
                    progress.done(offset);
                    doneSoFar.add(offset);
                }
            }
            commit = commit(progress);
        }
        PartitionProgress last = handOver(commit);
        List<Long> skipped = new ArrayList<>();
        for (long offset = commit.offset(); offset < 200; offset++) {
            if (last.arrive(offset) == PartitionProgress.Arrival.DONE) {
                skipped.add(offset);
            }
        }
        assertThat(commit.offset()).as("offset 0 never finished").isZero();
        assertThat(skipped).containsExactlyInAnyOrderElementsOf(doneSoFar);
    }

    @Test
    void gapsInOffsetsAreNotPending() {
        PartitionProgress progress = fresh(0);
        progress.arrive(0);
        progress.arrive(5); // 1..4 were transaction markers or aborted records
        progress.done(0);

        assertThat(commit(progress).offset()).isEqualTo(5);
        progress.done(5);
        assertThat(commit(progress).offset()).isEqualTo(6);
    }

    @Test
    void aSlowRequestIsCheckpointedBeforeTheWindowOutgrowsTheMetadata() {
        PartitionProgress progress = fresh(0);
        progress.arrive(0); // the slow one
        for (long offset = 1; offset < PartitionProgress.CHECKPOINT_SPAN; offset++) {
            progress.arrive(offset);
            progress.done(offset);
        }
        assertThat(progress.checkpointBelow()).as("at the threshold").isEqualTo(Long.MIN_VALUE);

        progress.arrive(PartitionProgress.CHECKPOINT_SPAN);
        progress.done(PartitionProgress.CHECKPOINT_SPAN);
        progress.arrive(PartitionProgress.CHECKPOINT_SPAN + 1);
        assertThat(progress.checkpointBelow()).isGreaterThan(0);

        // The checkpoint lands at the log end; the old offset is done in the same transaction.
        long checkpointAt = PartitionProgress.CHECKPOINT_SPAN + 50;
        OffsetAndMetadata moved = progress.committableWith(List.of(0L)).orElseThrow();
        progress.done(0);
        progress.adopt(checkpointAt);
        assertThat(moved.offset()).isEqualTo(PartitionProgress.CHECKPOINT_SPAN + 1);
        assertThat(progress.checkpointBelow()).isEqualTo(Long.MIN_VALUE);
        for (long offset = PartitionProgress.CHECKPOINT_SPAN + 2; offset < checkpointAt; offset++) {
            progress.arrive(offset);
        }
        assertThat(progress.arrive(checkpointAt)).as("our own checkpoint, tracked already").isEqualTo(PartitionProgress.Arrival.TRACKED);
    }

    @Test
    void aCheckpointedRequestFinishedBeforeItsRecordIsReadIsDoneForTheNextOwner() {
        PartitionProgress progress = fresh(0);
        read(progress, 0, 10);
        for (long offset = 1; offset < 10; offset++) {
            progress.done(offset);
        }
        progress.done(0);
        progress.adopt(1_000_000); // far ahead: the partition is paused behind a backlog
        progress.done(1_000_000);

        OffsetAndMetadata commit = commit(progress);
        assertThat(commit.offset()).isEqualTo(10);
        PartitionProgress next = handOver(commit);
        assertThat(next.arrive(10)).isEqualTo(PartitionProgress.Arrival.NEW);
        assertThat(next.arrive(1_000_000)).isEqualTo(PartitionProgress.Arrival.DONE);
    }

    @Test
    void metadataStaysWellUnderTheBrokersLimitAtTheLargestWindowAndRefusesMore() {
        PartitionProgress progress = fresh(0);
        read(progress, 0, OffsetMetadataCodec.MAX_DENSE_SPAN);
        for (long offset = 1; offset < OffsetMetadataCodec.MAX_DENSE_SPAN; offset += 2) {
            progress.done(offset);
        }
        List<Long> farDone = new ArrayList<>();
        for (int i = 0; i < OffsetMetadataCodec.MAX_SPARSE; i++) {
            long far = Long.MAX_VALUE / 2 + i * 1_000_003L;
            progress.adopt(far);
            farDone.add(far);
        }

        var fits = progress.committableWith(farDone);
        assertThat(fits).isPresent();
        assertThat(fits.get().metadata().length()).isLessThanOrEqualTo(OffsetMetadataCodec.MAX_LENGTH).isLessThan(4_096);

        List<Long> oneMore = new ArrayList<>(farDone);
        oneMore.add(Long.MAX_VALUE / 4);
        assertThat(progress.committableWith(oneMore)).as("65 far offsets do not fit").isEmpty();
    }

    @Test
    void theWindowReportsFullOnePollBeforeTheMetadataBound() {
        PartitionProgress progress = fresh(0);
        read(progress, 0, OffsetMetadataCodec.MAX_DENSE_SPAN - MARGIN - 1);
        assertThat(progress.windowFull()).isFalse();
        progress.arrive(OffsetMetadataCodec.MAX_DENSE_SPAN - MARGIN - 1);
        assertThat(progress.windowFull()).isTrue();
        progress.done(0);
        assertThat(progress.windowFull()).isFalse();
    }

    @Test
    void longRunsOfFinishedWorkKeepTheProgressSmallAndCorrect() {
        PartitionProgress progress = fresh(1_000_000);
        for (long offset = 1_000_000; offset < 1_100_000; offset++) {
            progress.arrive(offset);
            progress.done(offset);
        }
        progress.arrive(1_100_000);

        assertThat(commit(progress).offset()).isEqualTo(1_100_000);
        assertThat(progress.pendingCount()).isEqualTo(1);
    }

    @Test
    void anUncommittedPartitionLearnsItsPositionFromTheFirstRecord() {
        PartitionProgress progress = PartitionProgress.uncommitted(MARGIN);
        assertThat(progress.committableWith(List.of())).isEmpty();
        progress.arrive(42);
        assertThat(commit(progress).offset()).isEqualTo(42);
        progress.done(42);
        assertThat(commit(progress).offset()).isEqualTo(43);
    }

    @Test
    void foreignCorruptOrLegacyMetadataIsReadSafely() {
        assertThat(OffsetMetadataCodec.decode(7, "some other tool").done(8)).isFalse();
        assertThat(OffsetMetadataCodec.decode(7, "mjt2:3:%%%").done(8)).isFalse();
        assertThat(OffsetMetadataCodec.decode(7, null).done(8)).isFalse();
        // mjt1 (the previous format): bit set = pending; offsets 7 and 9 pending, 8 done.
        assertThat(OffsetMetadataCodec.decode(7, "mjt1:3:BQ").done(8)).isTrue();
        assertThat(OffsetMetadataCodec.decode(7, "mjt1:3:BQ").done(9)).isFalse();
    }
}
