package io.mjtracker.worker.tracking;

import io.mjtracker.common.record.StatusUpdate;

/** Where status updates go; the Kafka implementation sends without waiting. */
public interface StatusSink {

    void publish(TaskRequest request, StatusUpdate update);
}
