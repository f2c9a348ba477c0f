package io.mjtracker.worker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HealthStateTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    @Test
    void aDeadThreadMakesTheWorkerNotLive() {
        HealthState health = new HealthState(clock);
        AtomicBoolean trackerAlive = new AtomicBoolean(true);
        health.watch(trackerAlive::get);
        assertThat(health.live()).isTrue();

        trackerAlive.set(false);
        assertThat(health.live()).isFalse();
    }

    @Test
    void readyNeedsAnAnsweredHeartbeatNotJustAPollThatReturned() {
        HealthState health = new HealthState(clock);
        health.joinedGroup();
        health.heartbeatSecondsAgo(2);
        assertThat(health.ready()).isTrue();

        clock.advance(Duration.ofSeconds(40));
        health.heartbeatSecondsAgo(42); // the broker is away: the heartbeat ages
        assertThat(health.ready()).isFalse();

        health.heartbeatSecondsAgo(1);
        assertThat(health.ready()).isTrue();
    }

    @Test
    void aCommitInDoubtForMinutesWhileTheBrokerAnswersFailsLivenessButNotWhileTheBrokerIsAway() {
        HealthState health = new HealthState(clock);
        AtomicLong inDoubtMillis = new AtomicLong();
        health.watchSettling(inDoubtMillis::get, Duration.ofMinutes(2));
        health.heartbeatSecondsAgo(1);
        inDoubtMillis.set(Duration.ofSeconds(90).toMillis());
        assertThat(health.live()).as("in doubt, within the bound").isTrue();

        inDoubtMillis.set(Duration.ofMinutes(3).toMillis());
        assertThat(health.live()).as("the broker answers, the producer cannot settle: a restart cures it").isFalse();

        clock.advance(Duration.ofSeconds(40));
        health.heartbeatSecondsAgo(41);
        assertThat(health.live()).as("the broker is away: a restart would cure nothing").isTrue();

        health.heartbeatSecondsAgo(0);
        inDoubtMillis.set(0);
        assertThat(health.live()).as("settled").isTrue();
    }
}
