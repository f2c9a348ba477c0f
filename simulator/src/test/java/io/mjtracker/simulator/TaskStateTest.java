package io.mjtracker.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TaskStateTest {

    private static final long CREATED = 1_700_000_000_000L;
    private final TaskScript script = TaskScript.succeedsAfter(Duration.ofSeconds(10), Duration.ofSeconds(20))
            .invisibleFor(Duration.ofSeconds(2), NotFoundStyle.NULL_200).withEmptyStatusFor(Duration.ofSeconds(1));

    private TaskState at(long secondsAfterCreation) {
        return TaskState.at(script, CREATED, CREATED + secondsAfterCreation * 1000);
    }

    @Test
    void movesThroughEveryStateOnTime() {
        assertThat(at(1).visible()).isFalse();
        assertThat(at(2).status()).isEmpty();
        assertThat(at(3).status()).isEqualTo("NOT_START");
        assertThat(at(9).status()).isEqualTo("SUBMITTED");
        assertThat(at(12).status()).isEqualTo("IN_PROGRESS");
        assertThat(at(12).startTime()).isEqualTo(CREATED + 12_000);
        assertThat(at(22).progress()).isEqualTo(50);
        assertThat(at(32).status()).isEqualTo("SUCCESS");
        assertThat(at(32).progress()).isEqualTo(100);
        assertThat(at(32).finishTime()).isEqualTo(CREATED + 32_000);
    }

    @Test
    void progressRisesInStepsAndNeverReports100WhileRunning() {
        int previous = -1;
        for (long second = 12; second < 32; second++) {
            int progress = at(second).progress();
            assertThat(progress).isGreaterThanOrEqualTo(previous).isLessThanOrEqualTo(95);
            assertThat(progress % 5).isZero();
            previous = progress;
        }
    }

    @Test
    void modalEndsWithoutAFinishTime() {
        TaskState modal = TaskState.at(script.withEnd("MODAL", null), CREATED, CREATED + 60_000);

        assertThat(modal.status()).isEqualTo("MODAL");
        assertThat(modal.finishTime()).isZero();
    }

    @Test
    void theSameIdAlwaysGetsTheSameScript() {
        assertThat(TaskMix.REALISTIC.scriptFor("1730621826053455")).isEqualTo(TaskMix.REALISTIC.scriptFor("1730621826053455"));
        TaskScript script = TaskMix.REALISTIC.scriptFor("x");
        assertThat(script.queueFor()).isBetween(Duration.ZERO, Duration.ofSeconds(60));
        assertThat(script.runFor()).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(90));
    }

    @Test
    void tokenBucketRefusesAboveItsRateAndSaysWhenToComeBack() {
        long now = 0;
        TokenBucket bucket = new TokenBucket(10, 2, now);

        assertThat(bucket.tryTake(now)).isZero();
        assertThat(bucket.tryTake(now)).isZero();
        assertThat(bucket.tryTake(now)).isEqualTo(1);
        assertThat(bucket.tryTake(now + 100_000_000L)).isZero();
    }
}
