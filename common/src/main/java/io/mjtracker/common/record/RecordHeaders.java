package io.mjtracker.common.record;

/** Header names mj-tracker reads on input and adds to dead letters and checkpoints; input headers are copied as they are. */
public final class RecordHeaders {

    /** On an input record: the upstream profile to track the task on, as the JSON field {@code upstream} would name it. */
    public static final String UPSTREAM = "mj-upstream";

    /** Why the record was refused: {@code <reason>: <detail>}. */
    public static final String DLQ_REASON = "mjtracker.dlq.reason";
    public static final String DLQ_TOPIC = "mjtracker.dlq.topic";
    public static final String DLQ_PARTITION = "mjtracker.dlq.partition";
    public static final String DLQ_OFFSET = "mjtracker.dlq.offset";
    /** On a dead letter whose value was cut to fit the record size limit: the original value's length. */
    public static final String DLQ_TRUNCATED = "mjtracker.dlq.truncated";
    /**
     * On an input record the worker re-enqueued (a checkpoint, docs/progress.md): the original request's
     * reference and clocks, as JSON. Readers of the input topic other than mj-tracker skip such records.
     */
    public static final String CHECKPOINT = "mjtracker.checkpoint";

    private RecordHeaders() {}
}
