package io.mjtracker.worker.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Learning a gateway's sync tick from the windows in which polls saw tasks change. */
class RefreshLearnerTest {

    private static final long PERIOD = 15_000;
    private static final long PHASE = 4_000;
    private final RefreshLearner learner = new RefreshLearner(true, Runnable::run);
    private final SplittableRandom random = new SplittableRandom(7);
    private final List<long[]> unchangedSeen = new ArrayList<>();

    /**
     * Polls {@code tasks} tasks for two minutes at random intervals of 1 to 10 s; {@code changedBetween}
     * says whether the task changed between two poll times. Returns the time the polling ended.
     */
    private long poll(int tasks, BiLongPredicate changedBetween) {
        return poll(tasks, 0, changedBetween);
    }

    /** As {@link #poll(int, BiLongPredicate)}, for the two minutes from {@code from}. */
    private long poll(int tasks, long from, BiLongPredicate changedBetween) {
        long end = 0;
        for (int task = 0; task < tasks; task++) {
            long previous = from + random.nextLong(10_000);
            for (long at = previous + 1_000 + random.nextLong(9_000); at < from + 120_000; at += 1_000 + random.nextLong(9_000)) {
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
        RefreshLearner.Tick tick = learner.tick(now);
        long nextTick = PHASE + (Math.floorDiv(now - PHASE, PERIOD) + 1) * PERIOD;
        // A change 2 s from now shows at the next tick: the poll that sees it goes right after that tick.
        assertThat(tick.pollSeeing(now + 2_000)).isBetween(nextTick, nextTick + RefreshLearner.MARGIN_MS + 500);
        // A poll now shows the task as of the tick before.
        assertThat(tick.atOrBefore(now)).isBetween(nextTick - PERIOD - 500, nextTick - PERIOD + 500);
    }

    @Test
    void theSearchRunsOnTheExecutorGivenOneAtATimeAndTheCallerNeverWaitsForIt() {
        List<Runnable> queued = new ArrayList<>();
        RefreshLearner deferred = new RefreshLearner(true, queued::add);
        long now = 0;
        for (int task = 0; task < 200; task++) {
            long previous = random.nextLong(10_000);
            for (long at = previous + 1_000 + random.nextLong(9_000); at < 120_000; at += 1_000 + random.nextLong(9_000)) {
                if (tickBetween(previous, at)) {
                    deferred.changeSeen(previous, at);
                }
                previous = at;
                now = Math.max(now, at);
            }
        }

        assertThat(deferred.tick(now)).as("the search is handed off, not run by the caller").isNull();
        deferred.changeSeen(now, now + 7_000);
        assertThat(deferred.tick(now + RefreshLearner.RECOMPUTE_EVERY_MS)).isNull();
        assertThat(queued).as("no second search while one is under way").hasSize(1);

        queued.removeFirst().run();
        assertThat(deferred.periodMillis(now + RefreshLearner.RECOMPUTE_EVERY_MS))
                .isBetween(PERIOD - RefreshLearner.STEP_MS, PERIOD + RefreshLearner.STEP_MS);
    }

    @Test
    void anUpstreamWhoseTasksChangeAtAnyMomentShowsNoPeriodAndPollsStayWhereTheCadenceWantsThem() {
        // Changes at random moments, about one every 4 s.
        long now = poll(200, (from, to) -> random.nextDouble() < 1 - Math.exp(-(to - from) / 4_000.0));

        assertThat(learner.periodMillis(now)).isZero();
        assertThat(learner.tick(now)).isNull();
    }

    @Test
    void aFewNarrowWindowsAreEnough() {
        // Tasks near their finish, polled every second, two at a time for each tick of two minutes: each sees
        // the change at its tick to the second. Sixteen windows in all.
        for (long stretch = 0; stretch < 120_000; stretch += PERIOD) {
            for (long offset : new long[] {0, 300}) {
                for (long at = stretch + offset + 1_000; at <= stretch + offset + PERIOD; at += 1_000) {
                    if (tickBetween(at - 1_000, at)) {
                        learner.changeSeen(at - 1_000, at);
                    }
                }
            }
        }

        assertThat(learner.tick(120_000)).isNotNull().satisfies(tick -> {
            assertThat(tick.periodMillis()).isEqualTo(PERIOD);
            assertThat(tick.atOrBefore(120_000)).isBetween(109_000L - 1_000, 109_000L);
        });
    }

    @Test
    void pollsThatSawARunningTaskUnchangedAddTheEvidenceWideChangeWindowsLack() {
        // Running tasks polled every 8 s for two minutes: a change seen where a tick fell between two polls,
        // none where none did. Twenty change windows 8 s wide leave too many phases possible.
        int changes = 0;
        long at = 0;
        while (changes < 20) {
            at += 8_000 + random.nextLong(300);
            if (tickBetween(at - 8_000, at)) {
                learner.changeSeen(at - 8_000, at);
                changes++;
            } else {
                unchangedSeen.add(new long[] {at - 8_000, at});
            }
        }
        assertThat(learner.tick(at)).isNull();

        unchangedSeen.forEach(window -> learner.unchangedSeen(window[0], window[1]));

        assertThat(learner.tick(at + RefreshLearner.RECOMPUTE_EVERY_MS)).isNotNull()
                .satisfies(tick -> assertThat(tick.periodMillis()).isEqualTo(PERIOD));
    }

    @Test
    void aTickThatStopsHoldingIsDropped() {
        poll(200, RefreshLearnerTest::tickBetween);
        assertThat(learner.tick(120_000)).isNotNull();

        // The gateway is reconfigured: it now syncs every 15 s at another phase.
        long now = poll(20, 120_000, (from, to) -> Math.floorDiv(to - PHASE - 7_000, PERIOD) > Math.floorDiv(from - PHASE - 7_000, PERIOD));

        RefreshLearner.Tick tick = learner.tick(now);
        assertThat(tick == null || Math.floorMod(tick.phaseMillis() - PHASE, PERIOD) > 2_000).as("old tick dropped").isTrue();
    }

    @Test
    void switchedOffItLearnsNothing() {
        RefreshLearner off = new RefreshLearner(false, Runnable::run);
        off.changeSeen(0, 1_000);

        assertThat(off.periodMillis(10_000)).isZero();
        assertThat(off.tick(10_000)).isNull();
    }

    @Test
    void tooFewObservationsShowNoPeriod() {
        long now = poll(1, RefreshLearnerTest::tickBetween);

        assertThat(learner.periodMillis(now)).isZero();
    }
}
