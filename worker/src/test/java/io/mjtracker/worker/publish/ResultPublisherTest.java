package io.mjtracker.worker.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.worker.config.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
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
    private final ResultPublisher publisher = new ResultPublisher(() -> {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        made.add(producer);
        return producer;
    }, new TopicNames("in", "status", "completed", "dlq"), new RecordCodec(), 1_048_576);
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
    }
}
