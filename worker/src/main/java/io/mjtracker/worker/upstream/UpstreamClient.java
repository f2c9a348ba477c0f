package io.mjtracker.worker.upstream;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Fetches tasks from the upstream without blocking the caller. */
public interface UpstreamClient extends AutoCloseable {

    /**
     * Starts a fetch. The future always completes normally: every failure is a {@link FetchResult}.
     *
     * @param taskId an id already validated by intake (only {@code [A-Za-z0-9._:-]})
     */
    CompletableFuture<FetchResult> fetch(String taskId);

    /**
     * Starts one {@code list-by-condition} request for several tasks. The future always completes normally.
     *
     * @param taskIds distinct ids already validated by intake
     */
    CompletableFuture<BatchResult> fetchBatch(List<String> taskIds);

    @Override
    void close();
}
