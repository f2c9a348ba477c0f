package io.mjtracker.worker.publish;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RequestRef;
import io.mjtracker.common.record.StatusUpdate;
import io.mjtracker.common.task.TaskCodec;
import io.mjtracker.worker.tracking.TaskRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** Status updates while the broker is away: the tracker thread must not wait on them update after update. */
class KafkaStatusPublisherTest {

    private static final long MAX_BLOCK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private long nanos = 1_000;
    private boolean bufferFull;
    private boolean metadataAway;
    /** Time this process holds a send for reasons of its own (a garbage collection), not waiting for the broker. */
    private long stalledNanos;
    private final AtomicLong bufferWaitNanos = new AtomicLong();
    private int sendsTried;
    private final AtomicInteger failed = new AtomicInteger();

    /** A producer whose full buffer holds each send for max.block.ms and then refuses it, as KafkaProducer does. */
    private final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
            sendsTried++;
            nanos += stalledNanos;
            if (bufferFull) {
                nanos += MAX_BLOCK_NANOS;
                bufferWaitNanos.addAndGet(MAX_BLOCK_NANOS);
                return refused(callback, new BufferExhaustedException("buffer full"));
            }
            if (metadataAway) {
                // A metadata wait that times out is not added to the producer's wait counter.
                nanos += MAX_BLOCK_NANOS;
                return refused(callback, new TimeoutException("topic not present in metadata after 100 ms"));
            }
            return super.send(record, callback);
        }

        private Future<RecordMetadata> refused(Callback callback, RuntimeException why) {
            callback.onCompletion(null, why);
            return CompletableFuture.failedFuture(why);
        }
    };
    private final KafkaStatusPublisher publisher;

    KafkaStatusPublisherTest() {
        MetricName waits = new MetricName("bufferpool-wait-time-ns-total", "producer-metrics", "", Map.of());
        producer.setMockMetrics(waits, new Metric() {
            @Override
            public MetricName metricName() {
                return waits;
            }

            @Override
            public Object metricValue() {
                return (double) bufferWaitNanos.get();
            }
        });
        publisher = new KafkaStatusPublisher(producer, "mj.tasks.status", new RecordCodec(), failed::incrementAndGet, () -> nanos);
    }

    private void publish(String taskId) {
        var task = new TaskCodec().parse(("{\"id\":\"" + taskId + "\",\"status\":\"IN_PROGRESS\",\"progress\":\"40%\"}")
                .getBytes(StandardCharsets.UTF_8));
        RequestRef source = new RequestRef("mj.tasks", 0, 7);
        TaskRequest request = new TaskRequest(taskId, "default", source, new Header[0], JsonNodeFactory.instance.objectNode(),
                0, 0, 0, 1);
        publisher.publish(request, StatusUpdate.of(taskId, "default", task, 0, 1, source, request.metadata()));
        nanos += TimeUnit.MICROSECONDS.toNanos(10);
    }

    @Test
    void withTheBufferFullOneSendWaitsAndTheUpdatesAfterItAreDroppedAtOnceForASecond() {
        publish("before");
        assertThat(producer.history()).hasSize(1);

        bufferFull = true;
        long started = nanos;
        for (int i = 0; i < 1_000; i++) {
            publish("t" + i);
        }
        assertThat(sendsTried - 1).as("sends that held the tracker thread for max.block.ms").isEqualTo(1);
        assertThat(nanos - started).as("time the thousand updates took").isLessThan(2 * MAX_BLOCK_NANOS);
        assertThat(failed).as("every update not published is counted").hasValue(1_000);

        // A second on, the producer is asked again: the broker may be back.
        bufferFull = false;
        nanos += KafkaStatusPublisher.SHED_NANOS;
        publish("after");
        assertThat(producer.history()).hasSize(2);
    }

    @Test
    void aSendThatTimedOutWaitingForMetadataShedsTooThoughNoWaitWasCounted() {
        metadataAway = true;
        for (int i = 0; i < 100; i++) {
            publish("t" + i);
        }

        assertThat(sendsTried).as("sends that held the tracker thread for max.block.ms").isEqualTo(1);
        assertThat(failed).hasValue(100);
    }

    @Test
    void aSendHeldUpByThisProcessRatherThanTheBrokerDropsNothing() {
        stalledNanos = 2 * KafkaStatusPublisher.BLOCKED_NANOS;
        publish("during a garbage collection");
        stalledNanos = 0;
        publish("next");

        assertThat(producer.history()).hasSize(2);
        assertThat(failed).hasValue(0);
    }
}
