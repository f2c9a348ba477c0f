package io.mjtracker.worker.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.testkit.MutableClock;
import io.mjtracker.worker.config.BatchMode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When polls go out as batches, and of how many ids. */
class BatchSupportTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T12:00:00Z"));

    /** The ids t0..t(n-1): what a batch of {@code n} asked for. */
    private static List<String> ids(int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> "t" + i).toList();
    }

    private static BatchResult.Answered answered(int tasks) {
        Map<String, FetchResult> byId = new java.util.HashMap<>();
        for (int i = 0; i < tasks; i++) {
            byId.put("t" + i, new FetchResult.NotFound("placeholder"));
        }
        return new BatchResult.Answered(byId, tasks);
    }

    @Test
    void autoFallsBackToSingleFetchesWithoutTheRouteAndAsksAgainTenMinutesLater() {
        BatchSupport support = new BatchSupport("default", BatchMode.AUTO, 100, clock);
        assertThat(support.idsPerRequest()).isEqualTo(100);

        assertThat(support.answered(new BatchResult.Unsupported("HTTP 404 with an HTML page"), ids(100), false)).isNull();
        assertThat(support.idsPerRequest()).isEqualTo(1);
        clock.advance(BatchSupport.RECHECK.minusSeconds(1));
        assertThat(support.idsPerRequest()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(support.idsPerRequest()).isEqualTo(100);
    }

    @Test
    void outagesChangeNothingButUnreadableAnswersInARowDo() {
        BatchSupport support = new BatchSupport("default", BatchMode.AUTO, 100, clock);
        for (int i = 0; i < 10; i++) {
            support.answered(new BatchResult.Failed(new FetchResult.ServerError(503, "HTTP 503")), ids(100), false);
        }
        assertThat(support.idsPerRequest()).isEqualTo(100);

        BatchResult unreadable = new BatchResult.Failed(new FetchResult.Malformed("not a list"));
        support.answered(unreadable, ids(100), false);
        support.answered(unreadable, ids(100), false);
        support.answered(answered(3), ids(3), false);
        support.answered(unreadable, ids(100), false);
        support.answered(unreadable, ids(100), false);
        assertThat(support.idsPerRequest()).as("a readable answer in between starts the count again").isEqualTo(100);
        support.answered(unreadable, ids(100), false);
        assertThat(support.idsPerRequest()).isEqualTo(1);
    }

    @Test
    void batchesDoubleOnlyWhileFullOnesLeavePollsWaitingAndEveryIdAskedIsAnswered() {
        BatchSupport support = new BatchSupport("default", BatchMode.AUTO, 1000, clock);
        assertThat(support.idsPerRequest()).as("a key with a few tasks never sends a thousand ids").isEqualTo(100);

        support.answered(answered(100), ids(100), false);
        assertThat(support.idsPerRequest()).as("nothing was waiting").isEqualTo(100);
        support.answered(answered(60), ids(60), true);
        assertThat(support.idsPerRequest()).as("not a full batch").isEqualTo(100);
        support.answered(answered(70), ids(100), true);
        assertThat(support.idsPerRequest()).as("30 ids left out: perhaps a cap not learnt yet").isEqualTo(100);

        for (int expected : new int[] {200, 400, 800, 1000, 1000}) {
            support.answered(answered(support.idsPerRequest()), ids(support.idsPerRequest()), true);
            assertThat(support.idsPerRequest()).isEqualTo(expected);
        }
    }

    @Test
    void aLargerBatchThatFailsWhereSmallerOnesWereAnsweredTakesTheSizeBackForTenMinutes() {
        BatchSupport support = new BatchSupport("default", BatchMode.AUTO, 1000, clock);
        support.answered(answered(100), ids(100), true);
        support.answered(answered(200), ids(200), true);
        assertThat(support.idsPerRequest()).isEqualTo(400);

        support.answered(new BatchResult.Failed(new FetchResult.RateLimited(Duration.ofSeconds(1))), ids(400), true);
        assertThat(support.idsPerRequest()).as("a 429 says nothing about the size").isEqualTo(400);
        support.answered(new BatchResult.Failed(new FetchResult.ServerError(500, "HTTP 500")), ids(400), true);
        assertThat(support.idsPerRequest()).as("the largest batch answered").isEqualTo(200);
        support.answered(answered(200), ids(200), true);
        assertThat(support.idsPerRequest()).isEqualTo(200);
        support.answered(new BatchResult.Failed(new FetchResult.ServerError(503, "HTTP 503")), ids(200), true);
        assertThat(support.idsPerRequest()).as("a size answered before failed: an outage, not the size").isEqualTo(200);

        clock.advance(BatchSupport.RECHECK);
        support.answered(answered(200), ids(200), true);
        assertThat(support.idsPerRequest()).as("tried again after ten minutes").isEqualTo(400);
    }

    @Test
    void aGrownBatchRefusedOrUnreadableShrinksInsteadOfLosingTheRoute() {
        for (BatchMode mode : List.of(BatchMode.AUTO, BatchMode.ON)) {
            BatchSupport support = new BatchSupport("default", mode, 1000, clock);
            support.answered(answered(100), ids(100), true);
            assertThat(support.idsPerRequest()).isEqualTo(200);

            assertThat(support.answered(new BatchResult.Unsupported("HTTP 400"), ids(200), true))
                    .as("%s: a size refused, not a missing route", mode).isNull();
            assertThat(support.idsPerRequest()).as("%s", mode).isEqualTo(100);
        }
        BatchSupport support = new BatchSupport("default", BatchMode.AUTO, 1000, clock);
        support.answered(answered(100), ids(100), true);
        for (int i = 0; i < BatchSupport.UNREADABLE_LIMIT; i++) {
            support.answered(new BatchResult.Failed(new FetchResult.Malformed("body larger than allowed")), ids(200), true);
        }
        assertThat(support.idsPerRequest()).as("back to 100 ids, still batching").isEqualTo(100);
    }

    @Test
    void aSizeThatFailsThreeTimesInARowIsHalvedForAMinuteEvenIfItWasAnsweredBefore() {
        BatchSupport support = new BatchSupport("default", BatchMode.AUTO, 1000, clock);
        support.answered(answered(100), ids(100), true);
        support.answered(answered(200), ids(200), true);
        support.answered(answered(400), ids(400), false);
        assertThat(support.idsPerRequest()).isEqualTo(400);

        FetchResult timeout = new FetchResult.Timeout("no answer in 30 s");
        support.answered(new BatchResult.Failed(timeout), ids(400), true);
        support.answered(new BatchResult.Failed(new FetchResult.IoFailure("connection reset")), ids(400), true);
        support.answered(new BatchResult.Failed(timeout), ids(400), true);
        assertThat(support.idsPerRequest()).as("an IO failure neither counts nor breaks the run").isEqualTo(400);
        support.answered(new BatchResult.Failed(timeout), ids(400), true);
        assertThat(support.idsPerRequest()).isEqualTo(200);

        support.answered(answered(200), ids(200), true);
        assertThat(support.idsPerRequest()).as("held").isEqualTo(200);
        clock.advance(BatchSupport.SHORT_HOLD);
        support.answered(answered(200), ids(200), true);
        assertThat(support.idsPerRequest()).isEqualTo(400);
    }

    @Test
    void onMakesAMissingRouteAConfigurationError() {
        BatchSupport support = new BatchSupport("default", BatchMode.ON, 100, clock);

        FetchResult failure = support.answered(new BatchResult.Unsupported("HTTP 405"), ids(100), false);

        assertThat(failure).isInstanceOf(FetchResult.Misconfigured.class);
        assertThat(((FetchResult.Misconfigured) failure).message()).contains("MJ_API_BATCH=on").contains("'default'");
        assertThat(support.idsPerRequest()).isEqualTo(100);
    }

    @Test
    void offNeverBatches() {
        assertThat(new BatchSupport("default", BatchMode.OFF, 100, clock).idsPerRequest()).isEqualTo(1);
    }

    @Test
    void theBatchSizeFollowsACapSeenTwiceButNotAOneOff() {
        BatchSupport support = new BatchSupport("default", BatchMode.AUTO, 100, clock);

        assertThat(support.cappedAt(99)).isFalse();
        assertThat(support.cappedAt(37)).isFalse();
        assertThat(support.idsPerRequest()).as("two different counts: tasks created in between, not a cap").isEqualTo(100);
        assertThat(support.explainedByCap(answered(37), 100)).as("no cap known yet").isFalse();
        assertThat(support.cappedAt(37)).isTrue();
        assertThat(support.idsPerRequest()).isEqualTo(37);
        assertThat(support.explainedByCap(answered(37), 100)).as("a batch sent before the cap was known").isTrue();
        assertThat(support.explainedByCap(answered(37), 37)).as("everything asked was answered").isFalse();
        assertThat(support.explainedByCap(answered(20), 37)).as("fewer than the cap: absence to confirm").isFalse();
        assertThat(support.explainedByCap(new BatchResult.Answered(Map.of(), 37), 100))
                .as("37 elements that were not tasks show no cap").isFalse();
        support.cappedAt(-1);
        support.cappedAt(50);
        assertThat(support.idsPerRequest()).as("never raised by a larger count").isEqualTo(37);
    }
}
