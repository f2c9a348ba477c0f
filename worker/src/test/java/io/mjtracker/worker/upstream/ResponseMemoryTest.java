package io.mjtracker.worker.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.common.task.TaskCodec;
import io.mjtracker.testkit.MutableClock;
import io.mjtracker.worker.config.Secret;
import java.net.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Flow;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Answers never hold more of the heap than the bound, and a batch answer keeps only the tasks asked. */
class ResponseMemoryTest {

    private static final Flow.Subscription IGNORED = new Flow.Subscription() {
        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
    };

    private static BoundedBodySubscriber reading(ResponseMemory memory, int limit) {
        BoundedBodySubscriber subscriber = new BoundedBodySubscriber(limit, memory);
        subscriber.onSubscribe(IGNORED);
        return subscriber;
    }

    private static void send(BoundedBodySubscriber subscriber, int bytes) {
        subscriber.onNext(List.of(ByteBuffer.wrap(new byte[bytes])));
    }

    @Test
    void anAnswerThatDoesNotFitTheBoundIsNotReadAndTheBytesComeBackWhenAnswersAreDone() {
        ResponseMemory memory = new ResponseMemory(1_000);
        BoundedBodySubscriber first = reading(memory, 10_000);
        BoundedBodySubscriber second = reading(memory, 10_000);
        send(first, 800);
        send(second, 300);

        assertThat(second.getBody().toCompletableFuture().join().starved()).as("800 + 300 bytes do not fit 1,000").isTrue();
        assertThat(memory.heldBytes()).as("the starved answer gave back what it had").isEqualTo(800);

        first.onComplete();
        assertThat(first.getBody().toCompletableFuture().join().bytes()).hasSize(800);
        first.release();
        assertThat(memory.heldBytes()).isZero();
    }

    @Test
    void anExchangeThatFailsOrTimesOutGivesItsBytesBack() {
        ResponseMemory memory = new ResponseMemory(1_000);
        BoundedBodySubscriber failing = reading(memory, 10_000);
        send(failing, 400);
        failing.onError(new java.io.IOException("connection reset"));
        BoundedBodySubscriber timedOut = reading(memory, 10_000);
        send(timedOut, 500);
        timedOut.abandon();
        send(timedOut, 500);

        assertThat(memory.heldBytes()).isZero();
    }

    @Test
    void aBatchAnswerWithEveryTaskOfTheKeyKeepsOnlyTheTasksAsked() {
        String list = IntStream.range(0, 5_000).mapToObj(i -> "{\"id\":\"" + i + "\",\"status\":\"SUCCESS\"}")
                .collect(Collectors.joining(",", "[", "]"));
        ResponseClassifier classifier = new ResponseClassifier(new TaskCodec(), new Secret("sk-1"),
                new MutableClock(Instant.parse("2026-12-04T10:00:00Z")));

        BatchResult result = classifier.classifyBatch(200, HttpHeaders.of(Map.of(), (name, value) -> true),
                list.getBytes(StandardCharsets.UTF_8), false, Set.of("7", "4999", "absent"));

        assertThat(result).isInstanceOfSatisfying(BatchResult.Answered.class, answered -> {
            assertThat(answered.byId()).containsOnlyKeys("7", "4999");
            assertThat(answered.elements()).isEqualTo(5_000);
            assertThat(answered.clean()).as("an answer of tasks not asked cannot show a cap").isFalse();
        });
    }
}
