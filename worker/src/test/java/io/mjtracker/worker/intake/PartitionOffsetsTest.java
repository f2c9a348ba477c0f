package io.mjtracker.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionOffsetsTest {

    private static PartitionOffsets fresh(long committed) {
        return new PartitionOffsets(committed, OffsetMetadataCodec.Window.EMPTY);
    }

    @Test
    void commitsOnlyUpToLowestUnfinishedOffset() {
        PartitionOffsets offsets = fresh(10);
        for (long o = 10; o <= 14; o++) {
            offsets.received(o);
        }
        offsets.completed(12);
        offsets.completed(14);

        assertThat(offsets.committable().offset()).isEqualTo(10);
        offsets.completed(10);
        assertThat(offsets.committable().offset()).isEqualTo(11);
        offsets.completed(11);
        assertThat(offsets.committable().offset()).isEqualTo(13);
        offsets.completed(13);
        assertThat(offsets.committable().offset()).isEqualTo(15);
        assertThat(offsets.committable().metadata()).isEmpty();
    }

    @Test
    void newOwnerSkipsExactlyTheOffsetsDoneAboveTheCommit() {
        PartitionOffsets before = fresh(0);
        for (long o = 0; o < 6; o++) {
            before.received(o);
        }
        before.completed(2);
        before.completed(4);
        var commit = before.committable();

        PartitionOffsets after = new PartitionOffsets(commit.offset(),
                OffsetMetadataCodec.decode(commit.offset(), commit.metadata()));

        assertThat(commit.offset()).isZero();
        assertThat(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 100L))
                .filteredOn(after::alreadyDone)
                .containsExactly(2L, 4L);
    }

    @Test
    void committableWithDoesNotChangeTheTrackerUntilCompleted() {
        PartitionOffsets offsets = fresh(0);
        offsets.received(0);
        offsets.received(1);

        assertThat(offsets.committableWith(List.of(0L, 1L)).offset()).isEqualTo(2);
        assertThat(offsets.committable().offset()).isZero();
        assertThat(offsets.pendingCount()).isEqualTo(2);
    }

    @Test
    void gapsInOffsetsAreNotPending() {
        PartitionOffsets offsets = fresh(0);
        offsets.received(0);
        offsets.received(5); // 1..4 were transaction markers or compacted away
        offsets.completed(0);

        assertThat(offsets.committable().offset()).isEqualTo(5);
        offsets.completed(5);
        assertThat(offsets.committable().offset()).isEqualTo(6);
    }

    @Test
    void refusesToRunFurtherAheadThanTheMetadataCanDescribe() {
        PartitionOffsets offsets = fresh(0);
        for (long o = 0; o <= PartitionOffsets.MAX_SPAN + 10; o++) {
            offsets.received(o);
        }

        assertThat(offsets.withinCommitWindow(PartitionOffsets.MAX_SPAN - 1)).isTrue();
        assertThat(offsets.withinCommitWindow(PartitionOffsets.MAX_SPAN)).isFalse();
        offsets.completed(0);
        assertThat(offsets.withinCommitWindow(PartitionOffsets.MAX_SPAN)).isTrue();
    }

    @Test
    void metadataStaysWithinTheBrokersDefaultLimitAtTheLargestSpan() {
        PartitionOffsets offsets = fresh(0);
        for (long o = 0; o < PartitionOffsets.MAX_SPAN; o++) {
            offsets.received(o);
        }
        for (long o = 1; o < PartitionOffsets.MAX_SPAN; o += 2) {
            offsets.completed(o);
        }

        assertThat(offsets.committable().metadata().length()).isLessThan(4096);
    }

    @Test
    void longRunsOfFinishedWorkKeepTheTrackerSmallAndCorrect() {
        PartitionOffsets offsets = fresh(1_000_000);
        for (long o = 1_000_000; o < 1_100_000; o++) {
            offsets.received(o);
            offsets.completed(o);
        }
        offsets.received(1_100_000);

        assertThat(offsets.committable().offset()).isEqualTo(1_100_000);
        assertThat(offsets.pendingCount()).isEqualTo(1);
    }

    @Test
    void foreignOrCorruptMetadataMeansNothingIsKnownDone() {
        assertThat(OffsetMetadataCodec.decode(7, "some other tool").done(8)).isFalse();
        assertThat(OffsetMetadataCodec.decode(7, "mjt1:3:%%%").done(8)).isFalse();
        assertThat(OffsetMetadataCodec.decode(7, null).done(8)).isFalse();
    }
}
