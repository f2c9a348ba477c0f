package io.mjtracker.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskIdsTest {

    @Test
    void thousandsOfTasksCreatedWithinOneMillisecondKeepTheirOwnIdsAndScripts() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false).withClock(clock))) {
            String slow = simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMinutes(10)));
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 3_000; i++) {
                ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ZERO)));
            }

            assertThat(ids).hasSize(3_000).doesNotContain(slow);
            assertThat(ids).allMatch(id -> id.length() == slow.length());
        }
    }
}
