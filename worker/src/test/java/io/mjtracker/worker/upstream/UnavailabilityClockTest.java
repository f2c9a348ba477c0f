package io.mjtracker.worker.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Time the upstream could not be asked, counted once however the reasons overlap. */
class UnavailabilityClockTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
    private final UnavailabilityClock unavailable = new UnavailabilityClock(clock);

    @Test
    void a429StormCountsFromTheFirst429ToTheNextAnswer() {
        unavailable.refused();
        clock.advance(Duration.ofMinutes(10));
        unavailable.refused();
        assertThat(unavailable.unavailableNow()).isTrue();
        clock.advance(Duration.ofMinutes(5));
        unavailable.answered();
        clock.advance(Duration.ofMinutes(5));

        assertThat(unavailable.unavailableNow()).isFalse();
        assertThat(unavailable.millis()).isEqualTo(Duration.ofMinutes(15).toMillis());
    }

    @Test
    void an429StormOverlappingAnOpenCircuitCountsOnce() {
        unavailable.refused();
        clock.advance(Duration.ofSeconds(10));
        unavailable.stopped();
        clock.advance(Duration.ofSeconds(60));
        unavailable.answered();
        clock.advance(Duration.ofSeconds(20));
        unavailable.resumed();
        clock.advance(Duration.ofSeconds(30));

        assertThat(unavailable.millis()).as("refused from 0 s, the circuit open until 90 s").isEqualTo(90_000);
    }
}
