package io.mjtracker.worker.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Learning a gateway's sync tick from the windows in which polls saw tasks change. */
class RefreshLearnerTest {

    private static final long PERIOD = 15_000;
    private static final long PHASE = 4_000;
    private final RefreshLearner learner = new RefreshLearner(true);
    private final SplittableRandom random = new SplittableRandom(7);

    /**
     * Polls {@code tasks} tasks for two minutes at random intervals of 1 to 10 s; {@code changedBetween}
     * says whether the task changed between two poll times. Returns the time the polling ended.
     */
    private long poll(int tasks, BiLongPredicate changedBetween) {
        long end = 0;
        for (int task = 0; task < tasks; task++) {
            long previous = random.nextLong(10_000);
            for (long at = previous + 1_000 + random.nextLong(9_000); at < 120_000; at += 1_000 + random.nextLong(9_000)) {
                if (changedBetween.test(previous, at)) {
                    learner.changeSeen(previous, at);
                }
                previous = at;
                end = Math.max(end, at);
            }
        }
        return end;
    }

    private interface BiLongPredicate {
        boolean test(long from, long to);
    }

    /** A gateway showing changes only on its tick: a change is visible where a tick falls in (from, to]. */
    private static boolean tickBetween(long from, long to) {
        return Math.floorDiv(to - PHASE, PERIOD) > Math.floorDiv(from - PHASE, PERIOD);
    }

    @Test
    void aGatewayWithASyncTickShowsItsPeriodAndPollsLandJustAfterTheTick() {
        long now = poll(200, RefreshLearnerTest::tickBetween);

        long period = learner.periodMillis(now);
        assertThat(period).isBetween(PERIOD - RefreshLearner.STEP_MS, PERIOD + RefreshLearner.STEP_MS);
        // The cadence wants a poll in 2 s: it goes right after the next tick instead, within the margin.
        long at = learner.align(now + 2_000, now);
        long nextTick = PHASE + (Math.floorDiv(now - PHASE, PERIOD) + 1) * PERIOD;
        assertThat(at).isBetween(nextTick, nextTick + RefreshLearner.MARGIN_MS + 500);
        // Wanted 10 s after a tick: pulled back to just after that tick, which already shows the change.
        long tickAfter = nextTick + PERIOD;
        assertThat(learner.align(tickAfter + 10_000, now)).isBetween(tickAfter, tickAfter + RefreshLearner.MARGIN_MS + 500);
    }

    @Test
    void anUpstreamWhoseTasksChangeAtAnyMomentShowsNoPeriodAndPollsStayWhereTheCadenceWantsThem() {
        // Changes at random moments, about one every 4 s.
        long now = poll(200, (from, to) -> random.nextDouble() < 1 - Math.exp(-(to - from) / 4_000.0));

        assertThat(learner.periodMillis(now)).isZero();
        assertThat(learner.align(now + 2_345, now)).isEqualTo(now + 2_345);
    }

    @Test
    void switchedOffItLearnsNothing() {
        RefreshLearner off = new RefreshLearner(false);
        off.changeSeen(0, 1_000);

        assertThat(off.periodMillis(10_000)).isZero();
        assertThat(off.align(12_345, 10_000)).isEqualTo(12_345);
    }

    @Test
    void tooFewObservationsShowNoPeriod() {
        long now = poll(3, RefreshLearnerTest::tickBetween);

        assertThat(learner.periodMillis(now)).isZero();
    }
}
