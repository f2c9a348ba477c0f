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
 * make the worker buffer megabytes per request.
 */
final class BoundedBodySubscriber implements BodySubscriber<BoundedBodySubscriber.Body> {

    /** The bytes read and whether the body went on past the limit. */
    record Body(byte[] bytes, boolean truncated) {}

    private final int limit;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
    private final CompletableFuture<Body> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    BoundedBodySubscriber(int limit) {
        this.limit = limit;
    }

    @Override
    public CompletionStage<Body> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer item : items) {
            int room = limit - buffer.size();
            if (item.remaining() > room) {
                byte[] part = new byte[room];
                item.get(part);
                buffer.writeBytes(part);
                result.complete(new Body(buffer.toByteArray(), true));
                subscription.cancel();
                return;
            }
            byte[] chunk = new byte[item.remaining()];
            item.get(chunk);
            buffer.writeBytes(chunk);
        }
    }

    @Override
    public void onError(Throwable throwable) {
        result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
        result.complete(new Body(buffer.toByteArray(), false));
    }
}
