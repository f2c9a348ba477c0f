package io.mjtracker.worker.upstream;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Reads a body up to a byte limit and cancels the rest, so that a hostile or broken upstream cannot
 * make the worker buffer megabytes per request; every byte held counts against the worker's {@link
 * ResponseMemory} until {@link #release()} (after the answer is classified) or {@link #abandon()} (the
 * exchange failed or timed out), whichever comes first.
 */
final class BoundedBodySubscriber implements BodySubscriber<BoundedBodySubscriber.Body> {

    /**
     * The bytes read and whether the body went on past the limit.
     *
     * @param starved the worker held too many answers already: the body was not read
     */
    record Body(byte[] bytes, boolean truncated, boolean starved) {}

    private final int limit;
    private final ResponseMemory memory;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
    private final CompletableFuture<Body> result = new CompletableFuture<>();
    private Flow.Subscription subscription;
    private long reserved;
    private boolean abandoned;

    BoundedBodySubscriber(int limit, ResponseMemory memory) {
        this.limit = limit;
        this.memory = memory;
    }

    @Override
    public CompletionStage<Body> getBody() {
        return result;
    }

    @Override
    public synchronized void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public synchronized void onNext(List<ByteBuffer> items) {
        if (result.isDone() || abandoned) {
            return;
        }
        for (ByteBuffer item : items) {
            int room = limit - buffer.size();
            int take = Math.min(item.remaining(), room);
            if (!memory.reserve(take)) {
                release();
                result.complete(new Body(new byte[0], false, true));
                subscription.cancel();
                return;
            }
            reserved += take;
            byte[] chunk = new byte[take];
            item.get(chunk);
            buffer.writeBytes(chunk);
            if (item.hasRemaining()) {
                result.complete(new Body(buffer.toByteArray(), true, false));
                subscription.cancel();
                return;
            }
        }
    }

    @Override
    public synchronized void onError(Throwable throwable) {
        release();
        result.completeExceptionally(throwable);
    }

    @Override
    public synchronized void onComplete() {
        result.complete(new Body(buffer.toByteArray(), false, false));
    }

    /** The answer has been classified: its bytes no longer count. */
    synchronized void release() {
        memory.release(reserved);
        reserved = 0;
    }

    /** The exchange failed or timed out: what was read no longer counts, and nothing more is read. */
    synchronized void abandon() {
        abandoned = true;
        release();
        if (subscription != null) {
            subscription.cancel();
        }
    }
}
