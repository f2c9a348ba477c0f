package io.mjtracker.worker.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RequestRef;
import io.mjtracker.common.record.TrackingFacts;
import io.mjtracker.worker.config.TopicNames;
import io.mjtracker.worker.tracking.Completion;
import io.mjtracker.worker.tracking.TaskRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The transactional producer's contract for failures, as the publisher follows it: a commit or abort that
 * times out is retried as it is, a fenced producer is replaced by a fresh one (and the meters follow it).
 */
class ResultPublisherTest {

    private final List<MockProducer<byte[], byte[]>> made = new ArrayList<>();
    private final List<Producer<byte[], byte[]>> replacements = new ArrayList<>();
    private final RecordingAbortCheck abortCheck = new RecordingAbortCheck();
    private final ResultPublisher publisher = new ResultPublisher(() -> {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        made.add(producer);
        return producer;
    }, new TopicNames("in", "status", "completed", "dlq"), new RecordCodec(), 1_048_576, abortCheck);
    private final Transaction offsetsOnly = new Transaction(List.of(), List.of(), List.of(),
            Map.of(new TopicPartition("in", 0), new OffsetAndMetadata(7)));
    private final ConsumerGroupMetadata group = new ConsumerGroupMetadata("g");

    ResultPublisherTest() {
        publisher.start(Duration.ofSeconds(1));
        publisher.onReplacement(replacements::add);
    }

    @Test
    void aCommitThatTimesOutIsInDoubtAndRetriedAsACommit() {
        made.getFirst().commitTransactionException = new TimeoutException("no answer within max.block.ms");

        assertThat(publisher.publish(offsetsOnly, group)).isInstanceOf(ResultPublisher.Attempt.InDoubt.class);
        assertThat(publisher.inDoubt()).isTrue();

        made.getFirst().commitTransactionException = null;
        assertThat(publisher.resume()).isInstanceOf(ResultPublisher.Attempt.Committed.class);
        assertThat(made.getFirst().transactionCommitted()).as("committed, never aborted").isTrue();
        assertThat(made.getFirst().transactionAborted()).isFalse();
        assertThat(made).as("the same producer throughout").hasSize(1);
    }

    @Test
    void aFencedProducerIsReplacedAndTheMetersFollowTheFreshOne() {
        made.getFirst().commitTransactionException = new ProducerFencedException("a newer instance of this transactional id");

        assertThat(publisher.publish(offsetsOnly, group)).isInstanceOf(ResultPublisher.Attempt.Aborted.class);

        assertThat(made).hasSize(2);
        assertThat(made.getFirst().closed()).isTrue();
        assertThat(made.get(1).transactionInitialized()).as("the fresh one registered").isTrue();
        assertThat(replacements).containsExactly(made.get(1));
        assertThat(publisher.producer()).isSameAs(made.get(1));
        abortCheck.running = false;
        assertThat(publisher.publish(offsetsOnly, group)).isInstanceOf(ResultPublisher.Attempt.Committed.class);
    }

    @Test
    void anAbortThatTimesOutIsRetriedAsAnAbort() {
        made.getFirst().sendOffsetsToTransactionException = new org.apache.kafka.common.KafkaException("refused");
        made.getFirst().abortTransactionException = new TimeoutException("no answer within max.block.ms");

        assertThat(publisher.publish(offsetsOnly, group)).isInstanceOf(ResultPublisher.Attempt.InDoubt.class);

        made.getFirst().abortTransactionException = null;
        assertThat(publisher.resume()).isInstanceOf(ResultPublisher.Attempt.Aborted.class);
        assertThat(made.getFirst().transactionAborted()).isTrue();
        assertThat(made.getFirst().transactionCommitted()).isFalse();
        assertThat(abortCheck.told).as("checked once the abort went through, not when it timed out").hasSize(1);
    }

    @Test
    void anAbortIsCheckedWithWhereItsRecordsAndTheCommittedOnesLandedAndNothingIsPublishedUntilTheCheckEnds() {
        TopicPartition results = new TopicPartition("completed", 0);
        assertThat(publisher.publish(results("t-1"), group)).isInstanceOf(ResultPublisher.Attempt.Committed.class);
        made.getFirst().sendOffsetsToTransactionException = new org.apache.kafka.common.KafkaException("refused");

        assertThat(publisher.publish(results("t-2", "t-3"), group)).isInstanceOf(ResultPublisher.Attempt.Aborted.class);

        assertThat(abortCheck.told).containsExactly(List.of(Map.of(results, 0L), Map.of(results, 1L)));
        assertThat(publisher.checkingAbort()).isTrue();
        assertThatThrownBy(() -> publisher.publish(results("t-2", "t-3"), group)).isInstanceOf(IllegalStateException.class);
        abortCheck.running = false;
        made.getFirst().sendOffsetsToTransactionException = null;
        assertThat(publisher.publish(results("t-2", "t-3"), group)).isInstanceOf(ResultPublisher.Attempt.Committed.class);
    }

    @Test
    void whatAReplacedProducerLeftIsCheckedToo() {
        made.getFirst().commitTransactionException = new ProducerFencedException("a newer instance of this transactional id");

        assertThat(publisher.publish(results("t-1"), group)).isInstanceOf(ResultPublisher.Attempt.Aborted.class);

        assertThat(abortCheck.told).containsExactly(List.of(Map.of(), Map.of(new TopicPartition("completed", 0), 0L)));
    }

    private Transaction results(String... taskIds) {
        List<Completion> completions = new ArrayList<>();
        for (String taskId : taskIds) {
            TaskRequest request = new TaskRequest(taskId, "default", new RequestRef("in", 0, 7), new Header[0],
                    JsonNodeFactory.instance.objectNode(), 1L, 0, 0, 1);
            completions.add(new Completion(request, FinalResult.of(taskId, "default", Outcome.SUCCEEDED, null, "{\"id\":\"" + taskId + "\"}",
                    new TrackingFacts(1L, 2L, 3L, 4), request.source(), request.metadata())));
        }
        return new Transaction(completions, List.of(), List.of(), Map.of(new TopicPartition("in", 0), new OffsetAndMetadata(8)));
    }

    /** Remembers what it was told (committed up to, aborted from) and runs until the test ends it. */
    private static final class RecordingAbortCheck implements AbortCheck {
        final List<List<Map<TopicPartition, Long>>> told = new ArrayList<>();
        boolean running;

        @Override
        public void afterAbort(Map<TopicPartition, Long> committedUpTo, Map<TopicPartition, Long> abortedFrom) {
            told.add(List.of(committedUpTo, abortedFrom));
            running = true;
        }

        @Override
        public boolean running() {
            return running;
        }
    }
}
