package io.mjtracker.worker.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.RequestRef;
import io.mjtracker.common.task.TaskCodec;
import io.mjtracker.testkit.MutableClock;
import io.mjtracker.worker.config.BatchMode;
import io.mjtracker.worker.config.ResilienceSettings;
import io.mjtracker.worker.config.TrackingSettings;
import io.mjtracker.worker.hooks.Hint;
import io.mjtracker.worker.metrics.HookMetrics;
import io.mjtracker.worker.metrics.TrackerMetrics;
import io.mjtracker.worker.upstream.BatchResult;
import io.mjtracker.worker.upstream.BatchSupport;
import io.mjtracker.worker.upstream.FetchResult;
import io.mjtracker.worker.upstream.UpstreamClient;
import io.mjtracker.worker.upstream.UpstreamGuard;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * What hints do to tracking, on a fake clock one loop turn at a time: a hint brings its task's next poll
 * forward and does nothing else, and a profile's cadence switches to the safety gap while its hooks
 * announce the ends, and back when they stop.
 */
class TrackerHooksTest {

    private static final Duration SAFETY_GAP = Duration.ofSeconds(60);
    private static final long START = Instant.parse("2026-12-05T10:00:00Z").toEpochMilli();

    private final MutableClock clock = new MutableClock(Instant.ofEpochMilli(START));
    private final TaskCodec codec = new TaskCodec();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** Each task's status and progress upstream; a fetch answers it. */
    private final Map<String, String[]> upstream = new HashMap<>();
    /** Fetch times by task id. */
    private final Map<String, List<Long>> polls = new HashMap<>();
    private final List<String> statusUpdates = new ArrayList<>();
    private final List<Completion> completions = new ArrayList<>();
    private final Lane lane = lane();
    private final Tracker tracker = new Tracker(new TrackingSettings(1000, 900, 64, Duration.ofHours(1), Duration.ofMinutes(2), 5, 1.0,
            Duration.ofMinutes(2)), List.of(lane), new PollCadence(new Random(1)), (request, update) -> statusUpdates.add(update.taskId()),
            new TrackerMetrics(registry, List.of(), Map.of()), new HookMetrics(registry, Map.of("default", "default")), clock, clock);

    private Lane lane() {
        UpstreamClient client = new UpstreamClient() {
            @Override
            public CompletableFuture<FetchResult> fetch(String taskId) {
                polls.computeIfAbsent(taskId, id -> new ArrayList<>()).add(clock.millis());
                String[] state = upstream.get(taskId);
                return CompletableFuture.completedFuture(state == null ? new FetchResult.NotFound("HTTP 404")
                        : new FetchResult.Found(codec.parse(("{\"id\":\"" + taskId + "\",\"status\":\"" + state[0]
                                + "\",\"progress\":\"" + state[1] + "\"}").getBytes(StandardCharsets.UTF_8))));
            }

            @Override
            public CompletableFuture<BatchResult> fetchBatch(List<String> taskIds) {
                throw new UnsupportedOperationException("single fetches only");
            }

            @Override
            public void close() {}
        };
        UpstreamGuard guard = new UpstreamGuard("default", new ResilienceSettings(1000, 3, Duration.ofMillis(10),
                Duration.ofSeconds(1), 50, 20, Duration.ofSeconds(15)), clock, clock::nanoTime);
        guard.shareRate(1000);
        return new Lane("default", client, guard, new BatchSupport("default", BatchMode.OFF, 1, clock), false, Runnable::run,
                Duration.ofMinutes(2), SAFETY_GAP);
    }

    private void submit(String id, String status, String progress) {
        upstream.put(id, new String[] {status, progress});
        tracker.submit(new TaskRequest(id, "default", new RequestRef("in", 0, Math.abs(id.hashCode() % 100_000)), new Header[0],
                JsonNodeFactory.instance.objectNode(), clock.millis(), 0, 0, 1));
    }

    private void hint(String id, String status, String progress) {
        tracker.hint(new Hint("default", id, status, progress, clock.millis()));
    }

    /** Runs the loop for {@code duration} of fake time in 100 ms steps. */
    private void runFor(Duration duration) {
        for (long elapsed = 0; elapsed < duration.toMillis(); elapsed += 100) {
            turn();
            clock.advance(Duration.ofMillis(100));
        }
    }

    private void turn() {
        tracker.runOnce();
        tracker.runOnce();
        Completion completion;
        while ((completion = tracker.pollCompletion()) != null) {
            completions.add(completion);
        }
    }

    /** Twenty tasks whose ends a hook announced: the hooks are trusted. */
    private void trustHooks() {
        for (int i = 0; i < HookTrust.WINDOW; i++) {
            submit("a" + i, "IN_PROGRESS", "10%");
        }
        runFor(Duration.ofSeconds(1));
        assertThat(lane.hooks.trusted()).isFalse();
        for (int i = 0; i < HookTrust.WINDOW; i++) {
            upstream.put("a" + i, new String[] {"SUCCESS", "100%"});
            hint("a" + i, "SUCCESS", "100%");
        }
        runFor(Duration.ofSeconds(1));
        assertThat(completions).hasSize(HookTrust.WINDOW);
        assertThat(lane.hooks.trusted()).isTrue();
    }

    private int pollsOf(String id) {
        return polls.getOrDefault(id, List.of()).size();
    }

    private double hints(String result) {
        return registry.get("mjtracker.hints").tags("upstream", "default", "result", result).counter().count();
    }

    @Test
    void aHintOfTheEndBringsTheNextPollToNow() {
        submit("t1", "IN_PROGRESS", "10%");
        runFor(Duration.ofSeconds(1));
        assertThat(pollsOf("t1")).as("the first poll, at intake").isEqualTo(1);

        upstream.put("t1", new String[] {"SUCCESS", "100%"});
        hint("t1", "SUCCESS", "100%");
        turn();

        assertThat(pollsOf("t1")).as("polled in the turn the hint arrived, seconds before its cadence").isEqualTo(2);
        assertThat(completions).singleElement().satisfies(c -> assertThat(c.result().outcome()).isEqualTo(Outcome.SUCCEEDED));
        assertThat(hints(HookMetrics.SOONER)).isEqualTo(1);
    }

    @Test
    void aHintNeverEndsATaskNorPublishesAnythingByItself() {
        submit("t1", "IN_PROGRESS", "10%");
        runFor(Duration.ofSeconds(1));
        int updates = statusUpdates.size();

        // A forged (or early) hook: the upstream still shows the task running.
        hint("t1", "SUCCESS", "100%");
        turn();
        assertThat(pollsOf("t1")).as("the hint buys one poll").isEqualTo(2);
        hint("t1", "FAILURE", "100%");
        runFor(Duration.ofSeconds(1));

        assertThat(completions).as("only a poll ends a task").isEmpty();
        assertThat(statusUpdates).as("a status update only for what a poll saw change").hasSize(updates);
        runFor(Duration.ofSeconds(3));
        assertThat(pollsOf("t1")).as("an end a poll refuted: hints wait 4 s before the next").isEqualTo(2);
        runFor(Duration.ofSeconds(1));
        assertThat(pollsOf("t1")).as("the second hint's poll, once the 4 s had passed").isEqualTo(3);
    }

    @Test
    void progressBringsAPollForwardOnlyWhileTheBudgetKeepsUp() {
        submit("t1", "IN_PROGRESS", "10%");
        runFor(Duration.ofSeconds(1));
        upstream.put("t1", new String[] {"IN_PROGRESS", "15%"});
        hint("t1", "IN_PROGRESS", "15%");
        turn();
        assertThat(pollsOf("t1")).as("nothing overdue: polled at once").isEqualTo(2);

        // Far more first polls due than a second of budget sends: polls wait, and progress must not jump them.
        for (int i = 0; i < 3_000; i++) {
            submit("b" + i, "IN_PROGRESS", "10%");
        }
        turn();
        clock.advance(Duration.ofMillis(300));
        turn();
        upstream.put("t1", new String[] {"IN_PROGRESS", "20%"});
        hint("t1", "IN_PROGRESS", "20%");
        turn();
        assertThat(lane.dispatcher.overdue()).isPositive();
        assertThat(hints(HookMetrics.SKIPPED)).as("progress while polls are overdue").isEqualTo(1);
        assertThat(hints(HookMetrics.SOONER)).as("only the first hint brought its poll forward").isEqualTo(1);

        hint("t1", "SUCCESS", "100%");
        upstream.put("t1", new String[] {"SUCCESS", "100%"});
        turn();
        // The budget's next permits: a few dozen polls go out, the end's first among thousands waiting.
        clock.advance(Duration.ofMillis(50));
        turn();
        assertThat(lane.dispatcher.overdue()).isGreaterThan(2_000);
        assertThat(pollsOf("t1")).as("an end goes first, however many polls wait").isEqualTo(3);
    }

    @Test
    void anEndMovesAPollWaitingForTheBudgetToTheFront() {
        for (int i = 0; i < 3_000; i++) {
            submit("b" + i, "IN_PROGRESS", "10%");
        }
        submit("late", "IN_PROGRESS", "10%");
        turn();
        clock.advance(Duration.ofMillis(300));
        turn();
        assertThat(pollsOf("late")).as("waiting among the others").isZero();
        int waiting = lane.dispatcher.overdue();

        upstream.put("late", new String[] {"SUCCESS", "100%"});
        hint("late", "SUCCESS", "100%");
        turn();
        assertThat(lane.dispatcher.overdue()).as("moved to the front, not queued twice").isEqualTo(waiting);
        clock.advance(Duration.ofMillis(50));
        turn();
        assertThat(pollsOf("late")).isEqualTo(1);
        assertThat(completions).extracting(c -> c.result().taskId()).contains("late");
    }

    @Test
    void aHintOfWhatThePollsSawOrOfAnUntrackedTaskChangesNothing() {
        submit("t1", "IN_PROGRESS", "10%");
        runFor(Duration.ofSeconds(1));

        hint("t1", "IN_PROGRESS", "10%");
        hint("elsewhere", "SUCCESS", "100%");
        runFor(Duration.ofSeconds(1));

        assertThat(pollsOf("t1")).isEqualTo(1);
        assertThat(pollsOf("elsewhere")).isZero();
        assertThat(hints(HookMetrics.KNOWN)).isEqualTo(1);
        assertThat(hints(HookMetrics.UNTRACKED)).isEqualTo(1);
    }

    @Test
    void whileHooksAnnounceTheEndsTasksArePolledAtTheSafetyGapAndTheCadenceReturnsWhenHooksStop() {
        trustHooks();

        // A running task is now polled at the safety gap, not every 8 s or so.
        submit("quiet1", "IN_PROGRESS", "10%");
        submit("quiet2", "IN_PROGRESS", "10%");
        runFor(Duration.ofSeconds(20));
        submit("watched", "IN_PROGRESS", "10%");
        runFor(Duration.ofMinutes(3));
        List<Long> watched = polls.get("watched");
        assertThat(watched).hasSizeBetween(3, 4);
        for (int i = 1; i < watched.size(); i++) {
            assertThat(watched.get(i) - watched.get(i - 1)).as("gap between polls while trusted")
                    .isBetween(SAFETY_GAP.toMillis() * 9 / 10, SAFETY_GAP.toMillis());
        }

        int polled = pollsOf("watched");
        hint("watched", "IN_PROGRESS", "55%");
        hint("watched", "PAUSED", "55%");
        runFor(Duration.ofSeconds(1));
        assertThat(pollsOf("watched")).as("while trusted, only an end brings a poll forward").isEqualTo(polled);
        assertThat(hints(HookMetrics.SKIPPED)).isEqualTo(2);

        // Hooks stop: two tasks end unannounced, seen by their safety-gap polls; trust is gone, and the task
        // waiting for its safety gap is polled at once, then on the cadence.
        upstream.put("quiet1", new String[] {"SUCCESS", "100%"});
        upstream.put("quiet2", new String[] {"SUCCESS", "100%"});
        long deadline = clock.millis() + SAFETY_GAP.toMillis();
        while (completions.size() < HookTrust.WINDOW + 2 && clock.millis() < deadline) {
            runFor(Duration.ofMillis(100));
        }
        assertThat(lane.hooks.trusted()).isFalse();
        assertThat(lane.hooks.share()).isEqualTo(0.9);
        long lostAt = clock.millis();
        runFor(Duration.ofSeconds(1));
        assertThat(polls.get("watched")).as("polled within a second of the trust ending, not at its planned gap")
                .anySatisfy(at -> assertThat(at).isBetween(lostAt - 100, lostAt + 1_000));
        int before = pollsOf("watched");
        runFor(Duration.ofMinutes(1));
        assertThat(pollsOf("watched") - before).as("polls a minute on the cadence").isGreaterThanOrEqualTo(3);
    }

    @Test
    void whileTrustedChangesNoHookAnnouncedEndTheTrustBeforeAnyEnd() {
        trustHooks();
        submit("silent1", "IN_PROGRESS", "10%");
        submit("hooked", "IN_PROGRESS", "10%");
        runFor(Duration.ofSeconds(1));
        upstream.put("silent1", new String[] {"IN_PROGRESS", "50%"});
        upstream.put("hooked", new String[] {"IN_PROGRESS", "50%"});
        // The hooked task's hooks still come (skipped while trusted, yet a sign of life); silent1's have stopped.
        hint("hooked", "IN_PROGRESS", "30%");
        runFor(SAFETY_GAP);
        assertThat(lane.hooks.share()).as("one change no hook announced; the hooked task's is no miss").isEqualTo(0.95);
        assertThat(lane.hooks.trusted()).isTrue();

        submit("silent2", "IN_PROGRESS", "10%");
        runFor(Duration.ofSeconds(1));
        upstream.put("silent2", new String[] {"IN_PROGRESS", "50%"});
        runFor(SAFETY_GAP);

        assertThat(lane.hooks.trusted()).as("a second change no hook announced").isFalse();
        assertThat(completions).as("no end was needed to see it").hasSize(HookTrust.WINDOW);
    }
}
