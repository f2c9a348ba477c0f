package io.mjtracker.worker.upstream;

import java.util.concurrent.CompletableFuture;

/** Fetches one task from the upstream without blocking the caller. */
public interface UpstreamClient extends AutoCloseable {

    /**
     * Starts a fetch. The future always completes normally: every failure is a {@link FetchResult}.
     *
     * @param taskId an id already validated by intake (only {@code [A-Za-z0-9._:-]})
     */
    CompletableFuture<FetchResult> fetch(String taskId);

    @Override
    void close();
}
