package io.mjtracker.worker.intake;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mjtracker.common.record.FinalResult;
import io.mjtracker.worker.publish.DeadLetter;
import io.mjtracker.worker.tracking.Completion;
import io.mjtracker.worker.tracking.TaskRequest;
import org.apache.kafka.common.header.Header;

/**
 * How much one result transaction may write. After a broker outage of minutes, tens of thousands of
 * results may be waiting; in one transaction they could outgrow the producer's buffer (its sends then
 * block past {@code max.block.ms}) and the transaction timeout, be aborted, and come back as large on
 * every attempt: nothing would ever be published again. Bounded, a backlog leaves in a series of
 * transactions, each committed in well under a second.
 *
 * @param maxRecords most results, dead letters and checkpoints in one transaction
 * @param maxBytes most bytes of them (an estimate from their contents, before compression)
 */
public record TransactionBounds(int maxRecords, long maxBytes) {

    /** Enough for the steady flow of a busy worker in one transaction; a backlog takes several. */
    public static final int DEFAULT_MAX_RECORDS = 5_000;
    /** Bytes per transaction: at most a quarter of the producer's buffer, and at most this. */
    public static final long DEFAULT_MAX_BYTES = 8L * 1024 * 1024;
    /** Framing, key and record overhead a record adds to its payload, rounded up. */
    private static final int RECORD_OVERHEAD = 512;

    public TransactionBounds {
        if (maxRecords < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("transaction bounds must be positive: " + maxRecords + " records, " + maxBytes + " bytes");
        }
    }

    /** The default bounds for a producer with {@code bufferMemory} bytes of buffer. */
    public static TransactionBounds forBuffer(long bufferMemory) {
        return new TransactionBounds(DEFAULT_MAX_RECORDS, Math.max(1, Math.min(DEFAULT_MAX_BYTES, bufferMemory / 4)));
    }

    static int estimatedBytes(Completion completion) {
        FinalResult result = completion.result();
        int task = result.taskJson() == null ? 0 : result.taskJson().length();
        return RECORD_OVERHEAD + task + metadataBytes(completion.request().metadata()) + headerBytes(completion.request().headers());
    }

    static int estimatedBytes(DeadLetter letter) {
        var original = letter.original();
        return RECORD_OVERHEAD + (original.value() == null ? 0 : original.value().length)
                + (original.key() == null ? 0 : original.key().length) + headerBytes(original.headers().toArray());
    }

    static int estimatedBytes(TaskRequest request) {
        return RECORD_OVERHEAD + request.taskId().length() + metadataBytes(request.metadata()) + headerBytes(request.headers());
    }

    private static int metadataBytes(ObjectNode metadata) {
        return metadata.isEmpty() ? 0 : metadata.toString().length();
    }

    private static int headerBytes(Header[] headers) {
        int bytes = 0;
        for (Header header : headers) {
            bytes += header.key().length() + (header.value() == null ? 0 : header.value().length);
        }
        return bytes;
    }
}
