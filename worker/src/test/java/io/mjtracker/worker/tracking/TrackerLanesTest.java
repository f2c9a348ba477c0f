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
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** Several upstream profiles in one tracker: each task is asked through its own profile, and one profile's trouble stays its own. */
class TrackerLanesTest {

    private static final long START = Instant.parse("2026-11-23T10:00:00Z").toEpochMilli();
    private static final Duration HOUR = Duration.ofHours(1);

    private MutableClock clock = new MutableClock(Instant.ofEpochMilli(START));
    private final TaskCodec codec = new TaskCodec();

    /** One upstream: records which ids it was asked for and answers with {@code answer}. */
    private final class FakeUpstream implements UpstreamClient {
        final List<String> asked = new ArrayList<>();
        Function<String, FetchResult> answer;

        FakeUpstream(Function<String, FetchResult> answer) {
            this.answer = answer;
        }

        @Override
        public CompletableFuture<FetchResult> fetch(String taskId) {
            asked.add(taskId);
            return CompletableFuture.completedFuture(answer.apply(taskId));
        }

        @Override
        public CompletableFuture<BatchResult> fetchBatch(List<String> taskIds) {
            throw new AssertionError("batching is off in this test");
        }

        @Override
        public void close() {}
    }

    private Lane lane(String name, UpstreamClient client) {
        return lane(name, client, 100_000);
    }

    /** The loop, the rate limiter and the send spacing all run on {@link #clock}: what fits a turn is the same on any machine. */
    private Lane lane(String name, UpstreamClient client, double ratePerSecond) {
        UpstreamGuard guard = new UpstreamGuard(name, new ResilienceSettings(ratePerSecond, 3, Duration.ofMillis(10),
                Duration.ofSeconds(1), 50, 4, Duration.ofSeconds(15)), clock, clock::nanoTime);
        guard.shareRate(ratePerSecond);
        return new Lane(name, client, guard, new BatchSupport(name, BatchMode.OFF, 1, clock), false, Runnable::run, Duration.ofMinutes(2));
    }

    private Tracker tracker(Map<String, UpstreamClient> clients) {
        List<Lane> lanes = new ArrayList<>();
        clients.forEach((name, client) -> lanes.add(lane(name, client)));
        return tracker(lanes);
    }

    private Tracker tracker(List<Lane> lanes) {
        return new Tracker(new TrackingSettings(1000, 900, 64, HOUR, Duration.ofMinutes(2), 5, 1.0, Duration.ofMinutes(2)),
                lanes, new PollCadence(new Random(1)), (request, update) -> { }, new TrackerMetrics(new SimpleMeterRegistry(), List.of(), Map.of()),
                new HookMetrics(new SimpleMeterRegistry(), Map.of()), clock, clock);
    }

    private static TaskRequest request(String id, String upstream, int offset) {
        return new TaskRequest(id, upstream, new RequestRef("in", 0, offset), new Header[0],
                JsonNodeFactory.instance.objectNode(), START, 0, 0, 1);
    }

    private FetchResult succeeded(String id) {
        return new FetchResult.Found(codec.parse(("{\"id\":\"" + id + "\",\"status\":\"SUCCESS\",\"progress\":\"100%\",\"finishTime\":"
                + START + "}").getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Completion> run(Tracker tracker, Duration duration, MutableClock clock) {
        List<Completion> done = new ArrayList<>();
        for (long elapsed = 0; elapsed <= duration.toMillis(); elapsed += 1000) {
            tracker.runOnce();
            tracker.runOnce();
            Completion completion;
            while ((completion = tracker.pollCompletion()) != null) {
                done.add(completion);
            }
            clock.advance(Duration.ofSeconds(1));
        }
        return done;
    }

    @Test
    void theSameIdOnTwoUpstreamsIsTwoTasksEachAskedThroughItsOwnUpstream() {
        FakeUpstream comet = new FakeUpstream(this::succeeded);
        FakeUpstream selfHosted = new FakeUpstream(this::succeeded);
        Tracker tracker = tracker(Map.of("comet", comet, "self-hosted", selfHosted));

        tracker.submit(request("42", "comet", 1));
        tracker.submit(request("42", "self-hosted", 2));
        tracker.submit(request("43", "comet", 3));
        List<Completion> done = run(tracker, Duration.ofSeconds(5), clock);

        assertThat(comet.asked).containsExactlyInAnyOrder("42", "43");
        assertThat(selfHosted.asked).containsExactly("42");
        assertThat(done).extracting(c -> c.result().taskId() + "@" + c.result().upstream())
                .containsExactlyInAnyOrder("42@comet", "42@self-hosted", "43@comet");
    }

    private FetchResult running(String id) {
        return new FetchResult.Found(codec.parse(
                ("{\"id\":\"" + id + "\",\"status\":\"IN_PROGRESS\",\"progress\":\"10%\"}").getBytes(StandardCharsets.UTF_8)));
    }

    /** Polls of 20 running tasks over five minutes, alone or beside an upstream that refuses its key. */
    private int healthyPollsInFiveMinutes(boolean besideARevokedKey) {
        clock = new MutableClock(Instant.ofEpochMilli(START));
        FakeUpstream healthy = new FakeUpstream(this::running);
        Tracker tracker = besideARevokedKey
                ? tracker(Map.of("revoked", new FakeUpstream(id -> new FetchResult.Unauthorized(401, "invalid api key")), "healthy", healthy))
                : tracker(Map.of("healthy", healthy));
        for (int i = 0; i < 20; i++) {
            tracker.submit(request("h" + i, "healthy", 100 + i));
            if (besideARevokedKey) {
                tracker.submit(request("r" + i, "revoked", i));
            }
        }
        run(tracker, Duration.ofMinutes(5), clock);
        return healthy.asked.size();
    }

    @Test
    void eachLaneSendsAtItsOwnRateWhateverTheOthersWant() {
        FakeUpstream slow = new FakeUpstream(this::running);
        FakeUpstream fast = new FakeUpstream(this::running);
        Tracker tracker = tracker(List.of(lane("slow", slow, 4), lane("fast", fast, 20)));
        // Far more running tasks than either rate serves, so both lanes always have a poll due.
        for (int i = 0; i < 400; i++) {
            tracker.submit(request("s" + i, "slow", i));
            tracker.submit(request("f" + i, "fast", 1000 + i));
        }
        // Turns a millisecond apart: a send waits for the first turn after its permit, as the dispatcher's park
        // would end a little after it, so the spacing loses under 2 % to the turns.
        for (int step = 0; step < 10_000; step++) {
            tracker.runOnce();
            clock.advance(Duration.ofMillis(1));
        }

        // Ten seconds at 4 and 20 requests a second, permits spaced 3 % wider than 1/rate, the first one at once.
        assertThat(slow.asked).as("requests of the 4/s lane in 10 s").hasSizeBetween(38, 41);
        assertThat(fast.asked).as("requests of the 20/s lane in 10 s").hasSizeBetween(188, 201);
    }

    @Test
    void aRevokedKeyOnOneUpstreamDoesNotSlowTheOthers() {
        int alone = healthyPollsInFiveMinutes(false);

        assertThat(healthyPollsInFiveMinutes(true)).isBetween(alone * 9 / 10, alone * 11 / 10);
    }

    @Test
    void aRevokedKeyOnOneUpstreamNeitherStopsNorTimesOutTheOthers() {
        FakeUpstream revoked = new FakeUpstream(id -> new FetchResult.Unauthorized(401, "invalid api key"));
        FakeUpstream healthy = new FakeUpstream(this::running);
        Tracker tracker = tracker(Map.of("revoked", revoked, "healthy", healthy));
        for (int i = 0; i < 20; i++) {
            tracker.submit(request("r" + i, "revoked", i));
            tracker.submit(request("h" + i, "healthy", 100 + i));
        }

        run(tracker, Duration.ofMinutes(5), clock);
        int revokedAsks = revoked.asked.size();
        healthy.answer = this::succeeded;
        List<Completion> done = run(tracker, Duration.ofMinutes(1), clock);

        assertThat(revokedAsks).as("a refused key is probed one request at a time, not polled per task").isLessThan(40);
        assertThat(done).as("the healthy upstream's tasks finish as usual").hasSize(20)
                .allSatisfy(c -> assertThat(c.result().upstream()).isEqualTo("healthy"))
                .allSatisfy(c -> assertThat(c.result().outcome()).isEqualTo(Outcome.SUCCEEDED));

        // The refused upstream's time away stops only its own tasks' TIMED_OUT clock.
        healthy.answer = id -> new FetchResult.Found(codec.parse(
                ("{\"id\":\"" + id + "\",\"status\":\"IN_PROGRESS\"}").getBytes(StandardCharsets.UTF_8)));
        tracker.submit(request("late", "healthy", 500));
        List<Completion> late = run(tracker, HOUR.plusMinutes(1), clock);
        assertThat(late).extracting(c -> c.result().taskId() + ":" + c.result().outcome()).containsExactly("late:TIMED_OUT");
    }

    @Test
    void aLanesFirstRequestGoesOutAloneAndTheRestOnlyOnceItHasComeBack() {
        List<CompletableFuture<FetchResult>> pending = new ArrayList<>();
        List<String> asked = new ArrayList<>();
        UpstreamClient slowToConnect = new UpstreamClient() {
            @Override
            public CompletableFuture<FetchResult> fetch(String taskId) {
                asked.add(taskId);
                CompletableFuture<FetchResult> answer = new CompletableFuture<>();
                pending.add(answer);
                return answer;
            }

            @Override
            public CompletableFuture<BatchResult> fetchBatch(List<String> taskIds) {
                throw new AssertionError("batching is off in this test");
            }

            @Override
            public void close() {}
        };
        // 50 a second: permits 20.6 ms apart.
        Tracker tracker = tracker(List.of(lane("cold", slowToConnect, 50)));
        for (int i = 0; i < 5; i++) {
            tracker.submit(request("t" + i, "cold", i));
        }

        for (int turn = 0; turn < 10; turn++) {
            tracker.runOnce();
            clock.advance(Duration.ofMillis(10));
        }
        assertThat(asked).as("while the first connection opens, nothing else leaves").hasSize(1);

        pending.getFirst().complete(running("t0"));
        tracker.runOnce();
        clock.advance(Duration.ofMillis(20));
        tracker.runOnce();
        assertThat(asked).as("the next one waits a whole permit period after the first one's answer").hasSize(1);
        clock.advance(Duration.ofMillis(1));
        tracker.runOnce();
        assertThat(asked).hasSize(2);
        for (int turn = 0; turn < 10; turn++) {
            clock.advance(Duration.ofMillis(21));
            tracker.runOnce();
        }
        assertThat(asked).as("then requests go out side by side, up to the lane's concurrency").hasSize(5);
    }
}
