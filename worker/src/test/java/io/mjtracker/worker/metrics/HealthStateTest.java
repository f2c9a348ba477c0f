package io.mjtracker.worker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HealthStateTest {

    private Instant now = Instant.parse("2026-11-23T10:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    };

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

        now = now.plus(Duration.ofSeconds(40));
        health.heartbeatSecondsAgo(42); // the broker is away: the heartbeat ages
        assertThat(health.ready()).isFalse();

        health.heartbeatSecondsAgo(1);
        assertThat(health.ready()).isTrue();
    }
}
