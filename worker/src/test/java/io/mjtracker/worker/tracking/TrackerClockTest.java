package io.mjtracker.worker.tracking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.micrometer.core.instrument.Counter;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * The tracker's time-dependent decisions, driven by a fake clock one loop turn at a time: when a task
 * times out, when it is not found, and that an outage or one broken task changes neither.
 */
class TrackerClockTest {

    private static final Duration MAX_TRACK = Duration.ofHours(1);
    private static final Duration GRACE = Duration.ofMinutes(2);
    private static final Duration MAX_POLL_GAP = Duration.ofMinutes(2);
    private static final long START = Instant.parse("2026-11-23T10:00:00Z").toEpochMilli();

    private final MutableClock clock = new MutableClock(Instant.ofEpochMilli(START));
    /** The host's time, for the timestamps users read; it may step while {@link #clock} runs on. */
    private final MutableClock wall = new MutableClock(Instant.ofEpochMilli(START));
    private final Map<String, Function<String, FetchResult>> upstream = new HashMap<>();
    private final List<String> fetched = new ArrayList<>();
    private final TaskCodec codec = new TaskCodec();
    private StatusSink statusSink = (request, update) -> {};
    private final List<List<String>> batches = new ArrayList<>();
    private BatchMode batchMode = BatchMode.OFF;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** By default a batch answers every id its single fetch would find, in no particular order. */
    private Function<List<String>, BatchResult> batchUpstream = ids -> {
        Map<String, FetchResult> found = new HashMap<>();
        for (String id : ids) {
            FetchResult answer = upstream.getOrDefault(id, x -> notFound()).apply(id);
            if (answer instanceof FetchResult.Found) {
                found.put(id, answer);
            }
        }
        return new BatchResult.Answered(found, found.size());
    };
    private Tracker tracker;
    private Lane lane;
    /** While set, single fetches get no answer until the test completes them ({@link #heldAnswers}). */
    private boolean holdAnswers;
    private final Map<String, CompletableFuture<FetchResult>> heldAnswers = new HashMap<>();

    private Tracker tracker() {
        if (tracker == null) {
            UpstreamClient client = new UpstreamClient() {
                @Override
                public CompletableFuture<FetchResult> fetch(String taskId) {
                    fetched.add(taskId);
                    if (holdAnswers) {
                        CompletableFuture<FetchResult> later = new CompletableFuture<>();
                        heldAnswers.put(taskId, later);
                        return later;
                    }
                    return CompletableFuture.completedFuture(upstream.getOrDefault(taskId, id -> notFound()).apply(taskId));
                }

                @Override
                public CompletableFuture<BatchResult> fetchBatch(List<String> taskIds) {
                    batches.add(List.copyOf(taskIds));
                    return CompletableFuture.completedFuture(batchUpstream.apply(taskIds));
                }

                @Override
                public void close() {}
            };
            UpstreamGuard guard = new UpstreamGuard("default", new ResilienceSettings(100_000, 3, Duration.ofMillis(10),
                    Duration.ofSeconds(1), 50, 20, Duration.ofSeconds(15)), clock, clock::nanoTime);
            lane = new Lane("default", client, guard, new BatchSupport("default", batchMode, 100, clock), true, Runnable::run, MAX_POLL_GAP);
            tracker = new Tracker(new TrackingSettings(1000, 900, 64, MAX_TRACK, GRACE, 5, 1.0, MAX_POLL_GAP), List.of(lane),
                    new PollCadence(new Random(1)), (request, update) -> statusSink.publish(request, update),
                    new TrackerMetrics(registry, List.of(), Map.of()), new HookMetrics(registry, Map.of()), clock, wall);
        }
        return tracker;
    }

    private static TaskRequest request(String id, long requestedAt, long unavailableCredit) {
        return new TaskRequest(id, "default", new RequestRef("in", 0, id.hashCode() & 0xffff), new Header[0],
                JsonNodeFactory.instance.objectNode(), requestedAt, unavailableCredit, 0, 1);
    }

    private FetchResult running(String id) {
        return new FetchResult.Found(codec.parse(("{\"id\":\"" + id + "\",\"status\":\"IN_PROGRESS\",\"progress\":\"10%\"}")
                .getBytes(StandardCharsets.UTF_8)));
    }

    private static FetchResult notFound() {
        return new FetchResult.NotFound("HTTP 404");
    }

    /** Runs the loop for {@code duration} of fake time in one-second steps; returns the completions. */
    private List<Completion> runFor(Duration duration) {
        List<Completion> done = new ArrayList<>();
        for (long elapsed = 0; elapsed <= duration.toMillis(); elapsed += 1000) {
            tracker().runOnce();
            tracker().runOnce();
            Completion completion;
            while ((completion = tracker().pollCompletion()) != null) {
                done.add(completion);
            }
            clock.advance(Duration.ofSeconds(1));
            wall.advance(Duration.ofSeconds(1));
        }
        return done;
    }

    @Test
    void timedOutCountsFromTheRequestNotFromWhenThisWorkerFirstSawIt() {
        upstream.put("slow", this::running);
        // Requested 59 minutes ago, before a restart: one more minute of tracking, not another hour.
        tracker().submit(request("slow", START - Duration.ofMinutes(59).toMillis(), 0));

        assertThat(runFor(Duration.ofSeconds(50))).isEmpty();
        List<Completion> done = runFor(Duration.ofSeconds(30));
        assertThat(done).singleElement().satisfies(c -> {
            assertThat(c.result().outcome()).isEqualTo(Outcome.TIMED_OUT);
            assertThat(c.result().tracking().firstSeenAt()).isEqualTo(START - Duration.ofMinutes(59).toMillis());
        });
    }

    @Test
    void unavailabilityInheritedFromEarlierOwnersExtendsTheLimit() {
        upstream.put("slow", this::running);
        // Requested 70 minutes ago, but the upstream refused the key for 20 of them: 10 minutes left.
        tracker().submit(request("slow", START - Duration.ofMinutes(70).toMillis(), Duration.ofMinutes(20).toMillis()));

        assertThat(runFor(Duration.ofMinutes(9))).isEmpty();
        assertThat(runFor(Duration.ofMinutes(2))).singleElement()
                .satisfies(c -> assertThat(c.result().outcome()).isEqualTo(Outcome.TIMED_OUT));
    }

    @Test
    void aRejectedKeyStopsTheTimedOutClock() {
        upstream.put("slow", this::running);
        tracker().submit(request("slow", START, 0));
        assertThat(runFor(Duration.ofMinutes(30))).isEmpty();

        // The key is revoked for 45 minutes: every answer a 401, the circuit forced open.
        upstream.put("slow", id -> new FetchResult.Unauthorized(401, "HTTP 401"));
        assertThat(runFor(Duration.ofMinutes(45))).as("an outage fails no task").isEmpty();
        upstream.put("slow", this::running);
        assertThat(runFor(Duration.ofMinutes(25))).as("30 + 25 minutes of availability").isEmpty();
        assertThat(runFor(Duration.ofMinutes(6))).singleElement()
                .satisfies(c -> assertThat(c.result().outcome()).isEqualTo(Outcome.TIMED_OUT));
    }

    @Test
    void aStepOfTheHostsTimeMovesOnlyTheTimestampsUsersRead() {
        upstream.put("slow", this::running);
        tracker().submit(request("slow", START, 0));
        assertThat(runFor(Duration.ofMinutes(30))).isEmpty();

        // The host's clock is set an hour back (and later two hours ahead): the worker's intervals do not notice.
        wall.advance(Duration.ofHours(-1));
        int polledBefore = fetched.size();
        assertThat(runFor(Duration.ofMinutes(10))).isEmpty();
        assertThat(fetched.size()).as("polling goes on").isGreaterThan(polledBefore);
        wall.advance(Duration.ofHours(2));
        assertThat(runFor(Duration.ofMinutes(10))).as("no TIMED_OUT for a forward step").isEmpty();

        List<Completion> done = runFor(Duration.ofMinutes(21));
        assertThat(done).singleElement().satisfies(c -> {
            assertThat(c.result().outcome()).isEqualTo(Outcome.TIMED_OUT);
            // About 61 minutes in by the worker's clock, the host's clock an hour ahead of it by now.
            assertThat(c.result().tracking().detectedAt()).as("stamped with the host's time")
                    .isBetween(START + Duration.ofMinutes(120).toMillis(), START + Duration.ofMinutes(122).toMillis());
        });
    }

    @Test
    void aLaterRequestForATrackedTaskIsNotAnsweredTimedOutAtTheEarlierRequestsDeadline() {
        upstream.put("slow", this::running);
        tracker().submit(request("slow", START - Duration.ofMinutes(59).toMillis(), 0));
        assertThat(runFor(Duration.ofSeconds(30))).isEmpty();
        // Asked again, now: it has a whole hour of its own.
        tracker().submit(request("slow", clock.millis(), 0));

        assertThat(runFor(Duration.ofMinutes(30))).as("the first request's deadline is not the second's").isEmpty();
        assertThat(runFor(Duration.ofMinutes(31))).hasSize(2)
                .allSatisfy(c -> assertThat(c.result().outcome()).isEqualTo(Outcome.TIMED_OUT));
    }

    @Test
    void aTaskWhosePartitionMovesWhileItsPollIsInFlightIsNotPolledTwiceWhenItComesBack() {
        holdAnswers = true;
        TaskRequest first = new TaskRequest("moving", "default", new RequestRef("in", 0, 5), new Header[0],
                JsonNodeFactory.instance.objectNode(), START, 0, 0, 1);
        tracker().submit(first);
        runFor(Duration.ofSeconds(2));
        assertThat(fetched).containsExactly("moving");

        tracker().revoke(List.of(new org.apache.kafka.common.TopicPartition("in", 0)));
        TaskRequest again = new TaskRequest("moving", "default", new RequestRef("in", 1, 9), new Header[0],
                JsonNodeFactory.instance.objectNode(), START, 0, 0, 2);
        tracker().submit(again);
        runFor(Duration.ofSeconds(5));
        assertThat(fetched).as("the poll in flight serves the new request: no second one").containsExactly("moving");

        heldAnswers.remove("moving").complete(done("moving"));
        holdAnswers = false;
        assertThat(runFor(Duration.ofSeconds(2))).singleElement().satisfies(c -> {
            assertThat(c.request()).isSameAs(again);
            assertThat(c.result().outcome()).isEqualTo(Outcome.SUCCEEDED);
        });
        assertThat(tracker().openRequests()).as("the dropped request no longer counts").isEqualTo(1);
    }

    @Test
    void aBatchAnswerThatBreaksTheHandlingLeavesNoTaskUnpolled() {
        batchMode = BatchMode.ON;
        int[] batches = {0};
        upstream.put("a", this::done);
        upstream.put("b", this::done);
        Function<List<String>, BatchResult> normal = batchUpstream;
        // One answer the tracker cannot read (a bug, an impossible value): the tasks in it must not be lost.
        batchUpstream = ids -> batches[0]++ == 0 ? new BatchResult.Answered(null, 0) : normal.apply(ids);
        tracker().submit(request("a", START, 0));
        tracker().submit(request("b", START, 0));

        assertThat(runFor(Duration.ofMinutes(2))).as("both polled again and answered").hasSize(2)
                .allSatisfy(c -> assertThat(c.result().outcome()).isEqualTo(Outcome.SUCCEEDED));
    }

    @Test
    void aRequestThatWaitedPastTheLimitIsPolledOnceAndEndsAsTheUpstreamShowsIt() {
        // Read 61 minutes after it was made (intake paused behind a backlog, or the worker was down).
        long requested = START - Duration.ofMinutes(61).toMillis();
        upstream.put("done-long-ago", this::done);
        upstream.put("still-running", this::running);
        tracker().submit(request("done-long-ago", requested, 0));
        tracker().submit(request("still-running", requested, 0));

        List<Completion> done = runFor(Duration.ofSeconds(10));

        assertThat(fetched).as("each asked once, no more").containsExactlyInAnyOrder("done-long-ago", "still-running");
        assertThat(done).hasSize(2).anySatisfy(c -> {
            assertThat(c.result().taskId()).isEqualTo("done-long-ago");
            assertThat(c.result().outcome()).isEqualTo(Outcome.SUCCEEDED);
        }).anySatisfy(c -> {
            assertThat(c.result().taskId()).isEqualTo("still-running");
            assertThat(c.result().outcome()).isEqualTo(Outcome.TIMED_OUT);
            assertThat(c.result().taskJson()).as("what the last poll saw").contains("\"progress\":\"10%\"");
        });
    }

    @Test
    void aTaskPastTheLimitWhoseUpstreamCannotBeAskedWaitsForAnAnswer() {
        // Past the limit (its outage credit lost in a restart), and the upstream refuses the key: the circuit
        // is forced open, one probe every 15 s, so nothing can show the task unfinished.
        upstream.put("waiting", id -> new FetchResult.Unauthorized(401, "HTTP 401"));
        tracker().submit(request("waiting", START - Duration.ofMinutes(61).toMillis(), 0));

        assertThat(runFor(Duration.ofMinutes(10))).as("an outage fails no task").isEmpty();

        upstream.put("waiting", this::done);
        assertThat(runFor(Duration.ofMinutes(1))).as("once the key is fixed, it ends as the upstream shows it")
                .singleElement().satisfies(c -> assertThat(c.result().outcome()).isEqualTo(Outcome.SUCCEEDED));
    }

    @Test
    void aQuotaSpentForLongStopsTheTimedOutClockLikeAnOutage() {
        upstream.put("slow", this::running);
        tracker().submit(request("slow", START, 0));
        assertThat(runFor(Duration.ofMinutes(30))).isEmpty();

        // The key's quota is spent for 45 minutes: every answer a 429 asking for 30 s (the lane pauses 1 s
        // at most here, then asks again).
        upstream.put("slow", id -> new FetchResult.RateLimited(Duration.ofSeconds(30)));
        assertThat(runFor(Duration.ofMinutes(45))).as("time the upstream refused to answer is not the task's").isEmpty();
        upstream.put("slow", this::running);
        assertThat(runFor(Duration.ofMinutes(20))).as("30 + 20 minutes of answers").isEmpty();
        assertThat(runFor(Duration.ofMinutes(15))).singleElement()
                .satisfies(c -> assertThat(c.result().outcome()).isEqualTo(Outcome.TIMED_OUT));
    }

    @Test
    void aLongRetryAfterDelaysATaskNoLongerThanTheLanesOwnPause() {
        int[] calls = {0};
        upstream.put("quota", id -> calls[0]++ == 0 ? new FetchResult.RateLimited(Duration.ofHours(6)) : done(id));
        tracker().submit(request("quota", START, 0));

        // The lane pauses for TRACKER_RETRY_MAX_BACKOFF (1 s here) at most; the task's retry is capped alike.
        assertThat(runFor(Duration.ofMinutes(1))).singleElement()
                .satisfies(c -> assertThat(c.result().outcome()).isEqualTo(Outcome.SUCCEEDED));
    }

    @Test
    void aNotFoundCanaryThatFailsWhileHalfOpenStillLetsTheCircuitClose() {
        upstream.put("known", this::running);
        tracker().submit(request("known", START, 0));
        runFor(Duration.ofSeconds(10));

        // The known task becomes the canary; three others are not found, so it is asked while the upstream times out.
        boolean[] down = {true};
        Function<String, FetchResult> flaky = id -> down[0] ? new FetchResult.Timeout("request timed out") : done(id);
        upstream.put("known", flaky);
        for (int i = 0; i < 3; i++) {
            tracker().submit(request("missing-" + i, START, 0));
        }
        for (int i = 0; i < 10; i++) {
            upstream.put("w" + i, flaky);
            tracker().submit(request("w" + i, START, 0));
        }
        runFor(Duration.ofMinutes(3));

        down[0] = false;
        List<Completion> done = runFor(Duration.ofMinutes(10));
        assertThat(lane.guard.circuitState()).as("the circuit after the upstream came back")
                .isEqualTo(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED);
        assertThat(done).filteredOn(c -> c.result().outcome() == Outcome.SUCCEEDED).as("tasks finished after it came back")
                .hasSizeGreaterThanOrEqualTo(10);
    }

    @Test
    void theNotFoundGraceCountsFromTheRequestAndNeedsAConfirmation() {
        // Requested 5 minutes ago (grace 2 minutes): the first not-found alone ends nothing, the second does.
        tracker().submit(request("ghost", START - Duration.ofMinutes(5).toMillis(), 0));

        List<Completion> done = runFor(Duration.ofSeconds(40));
        assertThat(fetched).as("asked twice before giving up").hasSizeGreaterThanOrEqualTo(2);
        assertThat(done).singleElement().satisfies(c -> assertThat(c.result().outcome()).isEqualTo(Outcome.NOT_FOUND));
    }

    @Test
    void aNewRequestGetsTheWholeGrace() {
        tracker().submit(request("late", START, 0));
        assertThat(runFor(Duration.ofSeconds(100))).isEmpty();
        assertThat(runFor(Duration.ofMinutes(2))).singleElement()
                .satisfies(c -> assertThat(c.result().outcome()).isEqualTo(Outcome.NOT_FOUND));
    }

    @Test
    void whenEveryTaskIsNotFoundNothingEndsUntilTasksAreFoundAgain() {
        for (int i = 0; i < 12; i++) {
            tracker().submit(request("t" + i, START - Duration.ofHours(1).plusMinutes(-30).toMillis(), 0));
        }
        assertThat(runFor(Duration.ofMinutes(10))).as("a wrong base URL is an incident, not 12 results").isEmpty();

        upstream.put("t0", this::running);
        List<Completion> done = runFor(Duration.ofMinutes(3));
        assertThat(done).as("once a task is found, the others' not-found answers count")
                .hasSize(11).allSatisfy(c -> assertThat(c.result().outcome()).isEqualTo(Outcome.NOT_FOUND));
    }

    @Test
    void anIncidentWithNoTaskFoundForHalfAnHourIsBelievedAndItsTasksEndNotFound() {
        // A self-hosted proxy that lost its in-memory store: nothing it held will be found again.
        for (int i = 0; i < 12; i++) {
            tracker().submit(request("lost" + i, START, 0));
        }
        assertThat(runFor(Duration.ofMinutes(25))).as("an incident first, not 12 results").isEmpty();
        assertThat(lane.guard.notFoundIncidentMillis()).isGreaterThan(Duration.ofMinutes(20).toMillis());

        List<Completion> done = runFor(Duration.ofMinutes(10));
        assertThat(done).as("after 30 minutes the answers are believed: every request answered")
                .hasSize(12).allSatisfy(c -> assertThat(c.result().outcome()).isEqualTo(Outcome.NOT_FOUND));
    }

    @Test
    void anErrorWithOneTaskLeavesTheOthersTracked() {
        upstream.put("bad", this::running);
        upstream.put("good", id -> new FetchResult.Found(codec.parse(
                "{\"id\":\"good\",\"status\":\"SUCCESS\",\"progress\":\"100%\"}".getBytes(StandardCharsets.UTF_8))));
        statusSink = (request, update) -> {
            if (request.taskId().equals("bad")) {
                throw new IllegalStateException("a sink that fails for one task");
            }
        };
        tracker().submit(request("bad", START, 0));
        tracker().submit(request("good", START, 0));

        assertThat(runFor(Duration.ofSeconds(30))).singleElement()
                .satisfies(c -> assertThat(c.result().taskId()).isEqualTo("good"));
        int before = fetched.size();
        runFor(Duration.ofMinutes(2));
        assertThat(fetched.subList(before, fetched.size())).as("the failing task is still polled").contains("bad");
    }

    @Test
    void repeatedGarbageFailsTheTaskButTransientErrorsDoNot() {
        upstream.put("garbage", id -> new FetchResult.Malformed("not JSON"));
        upstream.put("flaky", id -> new FetchResult.ServerError(503, "HTTP 503"));
        tracker().submit(request("garbage", START, 0));
        tracker().submit(request("flaky", START, 0));

        List<Completion> done = runFor(Duration.ofMinutes(10));
        assertThat(done).singleElement().satisfies(c -> {
            assertThat(c.result().taskId()).isEqualTo("garbage");
            assertThat(c.result().outcome()).isEqualTo(Outcome.FAILED);
        });
    }

    @Test
    void aStatusNobodyKnowsIsKeptAndPolledSlowlyAndRetriesSpentFailNoTask() {
        upstream.put("odd", id -> new FetchResult.Found(codec.parse(
                "{\"id\":\"odd\",\"status\":\"ON_HOLD_FOR_REVIEW\",\"progress\":\"\"}".getBytes(StandardCharsets.UTF_8))));
        upstream.put("down", id -> new FetchResult.Timeout("request timed out"));
        tracker().submit(request("odd", START, 0));
        tracker().submit(request("down", START, 0));

        assertThat(runFor(Duration.ofMinutes(10))).as("neither an unknown status nor spent retries end a task").isEmpty();
        long oddPolls = fetched.stream().filter("odd"::equals).count();
        // An unknown status is polled every 15 s (±10% jitter): about 40 polls in 10 minutes, not one a second.
        assertThat(oddPolls).isBetween(34L, 46L);
        assertThat(fetched.stream().filter("down"::equals).count()).as("still asked after its retries were spent").isGreaterThan(5);
    }

    private FetchResult done(String id) {
        return new FetchResult.Found(codec.parse(("{\"id\":\"" + id + "\",\"status\":\"SUCCESS\",\"progress\":\"100%\"}")
                .getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aTaskLeftOutOfABatchIsAskedAloneAndOnlyTwoSingleNotFoundsEndIt() {
        batchMode = BatchMode.AUTO;
        upstream.put("a", this::done);
        upstream.put("b", this::done);
        // Requested long ago: only the confirmations stand between the ghost and NOT_FOUND.
        for (String id : List.of("a", "b", "ghost")) {
            tracker().submit(request(id, START - Duration.ofMinutes(5).toMillis(), 0));
        }

        List<Completion> done = runFor(Duration.ofSeconds(40));

        assertThat(batches).as("one batch for the three").first().asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                .containsExactlyInAnyOrder("a", "b", "ghost");
        assertThat(batches.stream().flatMap(List::stream)).as("the ghost is asked in no further batch").containsOnlyOnce("ghost");
        assertThat(fetched).as("asked alone until two not-founds").containsOnly("ghost").hasSizeGreaterThanOrEqualTo(2);
        assertThat(done).extracting(c -> c.result().taskId() + "=" + c.result().outcome())
                .containsExactlyInAnyOrder("a=SUCCEEDED", "b=SUCCEEDED", "ghost=NOT_FOUND");
    }

    @Test
    void everyRequestCountsOnceByKindAndEveryTaskAskedOnceByItsAnswer() {
        batchMode = BatchMode.AUTO;
        upstream.put("a", this::done);
        upstream.put("b", this::done);
        for (String id : List.of("a", "b", "ghost")) {
            tracker().submit(request(id, START - Duration.ofMinutes(5).toMillis(), 0));
        }

        runFor(Duration.ofSeconds(40));

        assertThat(requests("batch", "ok")).as("the batch, once").isEqualTo(batches.size()).isEqualTo(1);
        assertThat(requests("single", "not_found") + requests("canary", "not_found") + requests("probe", "not_found"))
                .as("the ghost asked alone, each fetch once").isEqualTo(fetched.size());
        assertThat(requests(null, null)).as("every request, whatever its kind").isEqualTo(batches.size() + fetched.size());
        assertThat(answers("ok")).as("a and b, answered in the batch").isEqualTo(2);
        assertThat(answers("left_out")).as("the ghost, left out of the batch").isEqualTo(1);
        assertThat(answers(null)).as("one answer per task asked, alone or in a batch")
                .isEqualTo(batches.stream().mapToInt(List::size).sum() + fetched.size());
    }

    /** The request counter's count for {@code kind} and {@code result}, summed over what is null. */
    private double requests(String kind, String result) {
        return count("mjtracker.upstream.requests", "kind", kind, "result", result);
    }

    private double answers(String result) {
        return count("mjtracker.task.answers", "result", result, null, null);
    }

    /** A counter's count summed over every tag whose value is given as null. */
    private double count(String meter, String tag, String value, String otherTag, String otherValue) {
        var search = registry.find(meter);
        search = value == null ? search : search.tag(tag, value);
        search = otherValue == null ? search : search.tag(otherTag, otherValue);
        return search.counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void unreadableBatchAnswersAreTheUpstreamsFailureNotTheTasks() {
        batchMode = BatchMode.ON;
        upstream.put("a", this::running);
        upstream.put("b", this::running);
        batchUpstream = ids -> new BatchResult.Failed(new FetchResult.Malformed("HTTP 200 batch answer is not a list (TRUNCATED)"));
        tracker().submit(request("a", START, 0));
        tracker().submit(request("b", START, 0));

        // Far more unreadable answers than TRACKER_MAX_MALFORMED_POLLS (5) allows one task.
        assertThat(runFor(Duration.ofMinutes(5))).isEmpty();
        assertThat(batches).hasSizeGreaterThan(5);
    }

    @Test
    void aSyncTickIsLearntFromWhenTasksStartedThoughPollsComeFurtherApartThanIt() {
        // A gateway syncing every 15 s; its tasks start 1.3 s apart and run for ten minutes.
        long tick = 15_000;
        for (int i = 0; i < 120; i++) {
            String id = "t" + i;
            long startedAt = START + 3_000 + i * 1_300L;
            upstream.put(id, any -> {
                long shown = clock.millis() - Math.floorMod(clock.millis() - START, tick);
                String json = shown < startedAt ? "{\"id\":\"" + id + "\",\"status\":\"SUBMITTED\",\"progress\":\"0%\"}"
                        : "{\"id\":\"" + id + "\",\"status\":\"IN_PROGRESS\",\"progress\":\"" + (shown - startedAt) / 6_000
                                + "%\",\"startTime\":" + startedAt + "}";
                return new FetchResult.Found(codec.parse(json.getBytes(StandardCharsets.UTF_8)));
            });
            tracker().submit(request(id, START, 0));
        }

        runFor(Duration.ofMinutes(4));

        // Queued tasks are polled about 25 s apart and slow running ones 20 s apart: no window between two polls
        // is narrow against 15 s. The moment each task started, as the gateway reports it, is.
        assertThat(lane.refreshPeriodSeconds()).isCloseTo(15.0, within(RefreshLearner.STEP_MS / 1000.0));
    }
}
