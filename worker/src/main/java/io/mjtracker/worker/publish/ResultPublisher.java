package io.mjtracker.worker.publish;

import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RecordHeaders;
import io.mjtracker.worker.config.TopicNames;
import io.mjtracker.worker.tracking.Completion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * Publishes final results and dead letters together with the input offsets they complete, in one
 * Kafka transaction. A {@code read_committed} consumer therefore sees each request's result exactly
 * once: either the result and the offset commit both happened, or neither did and the request is
 * redone.
 */
public final class ResultPublisher implements AutoCloseable {

    /** The transaction failed and was aborted; nothing of it is visible and it may be tried again. */
    public static final class AbortedException extends RuntimeException {
        AbortedException(KafkaException cause) {
            super("result transaction aborted: " + cause, cause);
        }
    }

    private final Producer<byte[], byte[]> producer;
    private final TopicNames topics;
    private final RecordCodec codec;

    public ResultPublisher(Producer<byte[], byte[]> producer, TopicNames topics, RecordCodec codec) {
        this.producer = producer;
        this.topics = topics;
        this.codec = codec;
    }

    /** Registers the transactional id with the broker and fences older instances of it. */
    public void start() {
        producer.initTransactions();
    }

    /**
     * Publishes in one transaction.
     *
     * @throws AbortedException where the transaction was aborted and can be retried
     * @throws KafkaException where the producer cannot go on (fenced, unauthorised): the worker must stop
     */
    public void publish(List<Completion> results, List<DeadLetter> deadLetters,
            Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        producer.beginTransaction();
        try {
            for (Completion completion : results) {
                var record = new ProducerRecord<>(topics.completed(), null,
                        completion.request().taskId().getBytes(StandardCharsets.UTF_8), codec.write(completion.result()));
                for (var header : completion.request().headers()) {
                    record.headers().add(header);
                }
                producer.send(record);
            }
            for (DeadLetter letter : deadLetters) {
                producer.send(deadLetterRecord(letter));
            }
            producer.sendOffsetsToTransaction(offsets, group);
            producer.commitTransaction();
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException | UnsupportedVersionException e) {
            throw e;
        } catch (KafkaException e) {
            producer.abortTransaction();
            throw new AbortedException(e);
        }
    }

    private ProducerRecord<byte[], byte[]> deadLetterRecord(DeadLetter letter) {
        var original = letter.original();
        var record = new ProducerRecord<>(topics.deadLetter(), null, original.key(), original.value());
        for (var header : original.headers()) {
            record.headers().add(header);
        }
        record.headers()
                .add(RecordHeaders.DLQ_REASON, utf8(letter.reason().tag() + ": " + letter.detail()))
                .add(RecordHeaders.DLQ_TOPIC, utf8(original.topic()))
                .add(RecordHeaders.DLQ_PARTITION, utf8(Integer.toString(original.partition())))
                .add(RecordHeaders.DLQ_OFFSET, utf8(Long.toString(original.offset())));
        return record;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
