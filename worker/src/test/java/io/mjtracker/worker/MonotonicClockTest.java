package io.mjtracker.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MonotonicClockTest {

    @Test
    void itStartsAtTheWallClocksTimeAndAdvancesOnlyWithTheMonotonicOne() {
        AtomicLong nanos = new AtomicLong(5_000_000_000L);
        MonotonicClock clock = new MonotonicClock(1_000_000L, nanos::get);
        assertThat(clock.millis()).isEqualTo(1_000_000L);

        nanos.addAndGet(Duration.ofSeconds(90).toNanos() + 999_999);
        assertThat(clock.millis()).isEqualTo(1_090_000L);
        assertThat(clock.instant().toEpochMilli()).isEqualTo(1_090_000L);
    }
}
