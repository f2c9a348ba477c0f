package io.mjtracker.worker.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PollCadenceTest {

    private final PollCadence cadence = new PollCadence(new SplittableRandom(42));

    @Test
    void queuedTasksArePolledLessOftenThanRunningOnes() {
        long queued = cadence.afterQueued();
        long runningSlowly = cadence.afterRunning(new ProgressObservation(5, 40_000, 10_000, 0));
        long runningWithoutRate = cadence.afterRunning(new ProgressObservation(-1, 40_000, -1, 0));

        assertThat(queued).isGreaterThan(runningSlowly).isGreaterThan(runningWithoutRate);
    }

    @Test
    void runningTaskIsPolledJustAfterItsPredictedFinish() {
        // 60% after 15 s: another 10 s to go.
        long delay = cadence.afterRunning(new ProgressObservation(60, 25_000, 10_000, 0));

        assertThat(delay).isBetween((long) ((10_000 + PollCadence.ETA_MARGIN_MS) * 0.9),
                (long) ((10_000 + PollCadence.ETA_MARGIN_MS) * 1.1));
    }

    @Test
    void nearlyFinishedTaskIsPolledSoon() {
        long delay = cadence.afterRunning(new ProgressObservation(99, 40_000, 10_000, 0));

        assertThat(delay).isLessThanOrEqualTo((long) (PollCadence.MIN_MS * 1.1));
    }

    @Test
    void withoutARateTheRunningPaceIsUsed() {
        long delay = cadence.afterRunning(new ProgressObservation(0, 40_000, -1, 0));

        assertThat(delay).isBetween((long) (PollCadence.RUNNING_WITHOUT_RATE_MS * 0.9),
                (long) (PollCadence.RUNNING_WITHOUT_RATE_MS * 1.1));
    }

    @Test
    void notFoundBacksOffUpToItsCap() {
        assertThat(cadence.afterNotFound(1)).isLessThan(cadence.afterNotFound(3));
        assertThat(cadence.afterNotFound(50)).isLessThanOrEqualTo((long) (PollCadence.NOT_FOUND_MAX_MS * 1.1));
    }

    @Test
    void jitterSpreadsTasksTakenInTogether() {
        long distinct = IntStream.range(0, 100).mapToLong(i -> cadence.afterQueued()).distinct().count();

        assertThat(distinct).isGreaterThan(50);
    }

    @Test
    void progressRateComesFromTwoObservations() {
        assertThat(new ProgressObservation(60, 20_000, 10_000, 40).millisToFinish()).isEqualTo(20_000);
        assertThat(new ProgressObservation(40, 20_000, 10_000, 40).millisToFinish()).isEqualTo(-1);
        assertThat(new ProgressObservation(100, 20_000, 10_000, 40).millisToFinish()).isZero();
    }

    @Test
    void aTaskIsFinishingOnlyWhereItsPredictedFinishComesBeforeTheLongestRunningInterval() {
        // Started at 10 s, 90% at 40 s: about 3 s to go.
        assertThat(cadence.next(false, 90, 10_000L, 40_000, -1, -1, null, true).finishing()).isTrue();
        // 5% after 30 s: ten minutes to go.
        assertThat(cadence.next(false, 5, 10_000L, 40_000, -1, -1, null, true).finishing()).isFalse();
        // No rate known yet, and a queued task: nothing predicted.
        assertThat(cadence.next(false, 40, null, 40_000, -1, -1, null, true).finishing()).isFalse();
        assertThat(cadence.next(true, -1, null, 40_000, -1, -1, null, true).finishing()).isFalse();
    }

    /** A gateway syncing every 15 s, on the minute: what a poll shows is as of the last multiple of 15 s. */
    private static final RefreshLearner.Tick TICK = new RefreshLearner.Tick(15_000, 0);

    private long pollAt(PollCadence.Next next, long now) {
        return now + next.delayMillis();
    }

    @Test
    void withATickAQueuedTaskIsLookedAtEverySecondTickAwayFromTheMomentJustAfterIt() {
        long now = 31_200;

        PollCadence.Next next = cadence.next(true, -1, null, now, -1, -1, TICK, true);

        // It shows the tick at 60 s anywhere before 75 s; the first half of the interval is left to polls that may end a task.
        assertThat(pollAt(next, now)).isBetween(60_000 + RefreshLearner.MARGIN_MS, 60_000 + RefreshLearner.MARGIN_MS + 7_500);
        assertThat(next.finishing()).isFalse();
        // Where tasks share requests, polls due together go in one batch: right after the tick.
        assertThat(pollAt(cadence.next(true, -1, null, now, -1, -1, TICK, false), now)).isEqualTo(60_000 + RefreshLearner.MARGIN_MS);
    }

    @Test
    void withATickARunningTaskFarFromItsFinishSkipsTicksButNoMoreThanTheCap() {
        // Started at 1 s, 10% as of the tick at 15 s: the run takes at least 93 s, but predictions drift.
        long now = 16_100;
        PollCadence.Next next = cadence.next(false, 10, 1_000L, now, -1, -1, TICK, true);

        long capped = 15_000 + PollCadence.MAX_TICKS_AHEAD * 15_000 + RefreshLearner.MARGIN_MS;
        assertThat(pollAt(next, now)).isBetween(capped, capped + 7_500);
        assertThat(next.finishing()).isFalse();
    }

    @Test
    void withATickARunningTaskIsPolledFirstRightAfterTheTickByWhichItMayHaveFinished() {
        // 40% as of the tick at 30 s, 29 s after the start (measured to the tick, not to the poll): it reads low by
        // up to a step, so the whole run takes at least 29 s / 45% = 64.4 s, and it may have ended at 65.4 s.
        long now = 31_900;

        PollCadence.Next next = cadence.next(false, 40, 1_000L, now, -1, -1, TICK, true);

        assertThat(pollAt(next, now)).isEqualTo(75_000 + RefreshLearner.MARGIN_MS);
        assertThat(next.finishing()).isTrue();
        assertThat(next.mayHaveFinishedAtMillis()).isEqualTo(1_000 + 29_000 * 100 / 45);
    }

    @Test
    void withATickATaskFinishingOrWithoutARateIsPolledRightAfterTheNextTick() {
        long now = 60_800;
        PollCadence.Next finishing = cadence.next(false, 90, 1_000L, now, -1, -1, TICK, true);

        assertThat(pollAt(finishing, now)).isEqualTo(75_000 + RefreshLearner.MARGIN_MS);
        assertThat(finishing.finishing()).isTrue();
        // 0% says nothing of the run's length: some upstreams show it for a while however short the run.
        PollCadence.Next noRate = cadence.next(false, 0, 1_000L, now, -1, -1, TICK, true);
        assertThat(pollAt(noRate, now)).isEqualTo(75_000 + RefreshLearner.MARGIN_MS);
        assertThat(noRate.finishing()).isFalse();
    }

    @Test
    void finishingPollsCarryTheEarliestMomentTheTaskMayHaveFinished() {
        // The same tick, two tasks: one 90% done 59 s after its start, one 95% done 59 s after its start.
        long now = 60_800;

        long ninety = cadence.next(false, 90, 1_000L, now, -1, -1, TICK, true).mayHaveFinishedAtMillis();
        long ninetyFive = cadence.next(false, 95, 1_000L, now, -1, -1, TICK, true).mayHaveFinishedAtMillis();

        assertThat(ninety).isEqualTo(1_000 + 59_000 * 100 / 95);
        assertThat(ninetyFive).isLessThan(ninety).isEqualTo(60_000);
    }
}
