package io.mjtracker.common.record;

/** Header names mj-tracker adds to dead-letter records; input headers are copied as they are. */
public final class RecordHeaders {

    /** Why the record was refused: {@code <reason>: <detail>}. */
    public static final String DLQ_REASON = "mjtracker.dlq.reason";
    public static final String DLQ_TOPIC = "mjtracker.dlq.topic";
    public static final String DLQ_PARTITION = "mjtracker.dlq.partition";
    public static final String DLQ_OFFSET = "mjtracker.dlq.offset";

    private RecordHeaders() {}
}
