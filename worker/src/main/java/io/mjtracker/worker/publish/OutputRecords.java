package io.mjtracker.worker.publish;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.record.RecordHeaders;
import io.mjtracker.worker.config.TopicNames;
import io.mjtracker.worker.tracking.Completion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the records of final results and dead letters so that each fits the record size limit: a
 * result over it loses its task's largest fields ({@code taskTrimmed}), a dead letter its value's
 * tail ({@code mjtracker.dlq.truncated}). One oversized record must never stall every partition.
 */
final class OutputRecords {

    private static final Logger LOG = LoggerFactory.getLogger(OutputRecords.class);
    /** Bytes the producer adds around key, value and headers (record and batch framing), rounded up. */
    private static final int RECORD_OVERHEAD = 512;
    private static final int SMALLEST_RECORD_LIMIT = 16 * 1024;

    private final TopicNames topics;
    private final RecordCodec codec;
    private final TaskTrimmer trimmer = new TaskTrimmer(new ObjectMapper());
    private int recordLimit;

    /** @param maxRequestBytes the producer's {@code max.request.size}: the largest record it sends */
    OutputRecords(TopicNames topics, RecordCodec codec, int maxRequestBytes) {
        this.topics = topics;
        this.codec = codec;
        this.recordLimit = maxRequestBytes;
    }

    /** The broker refused a record as too large (a topic limit below the producer's): halve the limit; returns it. */
    int halveLimit() {
        recordLimit = Math.max(SMALLEST_RECORD_LIMIT, recordLimit / 2);
        return recordLimit;
    }

    ProducerRecord<byte[], byte[]> result(Completion completion) {
        FinalResult result = completion.result();
        byte[] key = utf8(result.taskId());
        Header[] headers = completion.request().headers();
        byte[] value = codec.write(result);
        int fixed = key.length + headerBytes(headers) + RECORD_OVERHEAD;
        if (fixed + value.length > recordLimit) {
            int taskBytes = result.taskJson() == null ? 0 : utf8(result.taskJson()).length;
            int budget = recordLimit - fixed - (value.length - taskBytes);
            value = codec.write(result.withTrimmedTask(trimmer.trim(result.taskJson(), budget)));
            LOG.atWarn().addKeyValue("task_id", result.taskId()).addKeyValue("upstream", result.upstream())
                    .log("result of task {} is {} bytes, over the {} byte record limit: published with its task trimmed",
                            result.taskId(), fixed + value.length, recordLimit);
        }
        if (fixed + value.length > recordLimit) {
            // Even without the task it does not fit (huge metadata or headers): keep the promise of one
            // result per request with the bare facts; the full request is in the input topic.
            value = codec.write(new FinalResult(result.schemaVersion(), result.taskId(), result.upstream(), result.outcome(), result.reason(),
                    null, result.tracking(), result.request(), null, true));
            headers = new Header[0];
        }
        return new ProducerRecord<>(topics.completed(), null, key, value, Arrays.asList(headers));
    }

    ProducerRecord<byte[], byte[]> deadLetter(DeadLetter letter) {
        var original = letter.original();
        List<Header> headers = new ArrayList<>();
        original.headers().forEach(headers::add);
        byte[] key = original.key() == null ? new byte[0] : original.key();
        byte[] value = original.value() == null ? new byte[0] : original.value();
        int room = recordLimit - RECORD_OVERHEAD - 1024 - key.length - headerBytes(headers.toArray(Header[]::new));
        if (room < 0) {
            headers.clear();
            room = recordLimit - RECORD_OVERHEAD - 1024 - key.length;
        }
        var record = new ProducerRecord<>(topics.deadLetter(), null, original.key(),
                value.length > room ? Arrays.copyOf(value, Math.max(0, room)) : original.value(), headers);
        if (value.length > room) {
            record.headers().add(RecordHeaders.DLQ_TRUNCATED, utf8(Integer.toString(value.length)));
        }
        record.headers()
                .add(RecordHeaders.DLQ_REASON, utf8(letter.reason().tag() + ": " + letter.detail()))
                .add(RecordHeaders.DLQ_TOPIC, utf8(original.topic()))
                .add(RecordHeaders.DLQ_PARTITION, utf8(Integer.toString(original.partition())))
                .add(RecordHeaders.DLQ_OFFSET, utf8(Long.toString(original.offset())));
        return record;
    }

    private static int headerBytes(Header[] headers) {
        int bytes = 0;
        for (Header header : headers) {
            bytes += header.key().length() + (header.value() == null ? 0 : header.value().length) + 8;
        }
        return bytes;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
