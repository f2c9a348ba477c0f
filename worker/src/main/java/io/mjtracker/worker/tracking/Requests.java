package io.mjtracker.worker.tracking;

import io.mjtracker.worker.upstream.BatchResult;
import io.mjtracker.worker.upstream.FetchResult;
import io.mjtracker.worker.upstream.UpstreamClient;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends requests without blocking and hands every answer, with its latency, back to the tracker thread.
 * Every request ends in exactly one answer: a request that cannot even be built (a local error) or a
 * future that fails becomes a failure answer, so no task is ever left waiting for a request that never
 * left.
 */
final class Requests {

    private static final Logger LOG = LoggerFactory.getLogger(Requests.class);

    /** Runs on the tracker thread with the answer and the request's latency in nanoseconds. */
    interface Answer<T> {
        void accept(T answer, long latencyNanos);
    }

    private final UpstreamClient client;
    private final Consumer<Runnable> trackerThread;

    /** @param trackerThread queues a command for the tracker thread */
    Requests(UpstreamClient client, Consumer<Runnable> trackerThread) {
        this.client = client;
        this.trackerThread = trackerThread;
    }

    void fetch(String taskId, Answer<FetchResult> onAnswer) {
        CompletableFuture<FetchResult> request;
        try {
            request = client.fetch(taskId);
        } catch (RuntimeException e) {
            LOG.atError().addKeyValue("task_id", taskId).log("request for task {} could not be made: {}", taskId, e.getClass().getSimpleName());
            request = CompletableFuture.completedFuture(notMade(e));
        }
        deliver(request, failure -> new FetchResult.IoFailure("fetch failed: " + failure.getClass().getSimpleName()), onAnswer);
    }

    /** As {@link #fetch}; a batch that cannot be built fails as a whole and its tasks are retried. */
    void fetchBatch(List<String> taskIds, Answer<BatchResult> onAnswer) {
        CompletableFuture<BatchResult> request;
        try {
            request = client.fetchBatch(taskIds);
        } catch (RuntimeException e) {
            LOG.error("batch request for {} tasks could not be made: {}", taskIds.size(), e.getClass().getSimpleName());
            request = CompletableFuture.completedFuture(new BatchResult.Failed(notMade(e)));
        }
        deliver(request, failure -> new BatchResult.Failed(
                new FetchResult.IoFailure("batch failed: " + failure.getClass().getSimpleName())), onAnswer);
    }

    private static FetchResult notMade(RuntimeException e) {
        return new FetchResult.Malformed("request could not be made: " + e.getClass().getSimpleName());
    }

    private <T> void deliver(CompletableFuture<T> request, java.util.function.Function<Throwable, T> failed, Answer<T> onAnswer) {
        long startNanos = System.nanoTime();
        request.whenComplete((result, failure) -> {
            long latency = System.nanoTime() - startNanos;
            T answer = failure == null ? result : failed.apply(failure);
            trackerThread.accept(() -> onAnswer.accept(answer, latency));
        });
    }
}
