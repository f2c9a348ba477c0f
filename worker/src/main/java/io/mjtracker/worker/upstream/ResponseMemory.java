package io.mjtracker.worker.upstream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A bound on the bytes of upstream answers the worker holds at once, every profile together. A single
 * batch answer may be up to {@code MJ_API_MAX_BODY_BYTES} times the ids asked, and each profile may have
 * dozens of requests outstanding: without a common bound, one proxy that ignores the ids and sends every
 * task of the key would exhaust the heap and crash the worker for every upstream. An answer that does not
 * fit is not read; it fails like a broken connection (retried, the batch size left alone) while the
 * answers already held are processed. Thread-safe.
 */
public final class ResponseMemory {

    private final long limitBytes;
    private final AtomicLong heldBytes = new AtomicLong();

    public ResponseMemory(long limitBytes) {
        if (limitBytes < 1) {
            throw new IllegalArgumentException("the response memory bound must be positive, not " + limitBytes);
        }
        this.limitBytes = limitBytes;
    }

    /** A quarter of the heap the JVM may use: the rest is for tracked tasks and Kafka's buffers. */
    public static ResponseMemory quarterOfHeap() {
        return new ResponseMemory(Math.max(1, Runtime.getRuntime().maxMemory() / 4));
    }

    /** Takes {@code bytes} from the bound; false, taking nothing, where they do not fit. */
    boolean reserve(long bytes) {
        long held;
        do {
            held = heldBytes.get();
            if (held + bytes > limitBytes) {
                return false;
            }
        } while (!heldBytes.compareAndSet(held, held + bytes));
        return true;
    }

    void release(long bytes) {
        heldBytes.addAndGet(-bytes);
    }

    /** Bytes of answers held now. */
    public long heldBytes() {
        return heldBytes.get();
    }

    public long limitBytes() {
        return limitBytes;
    }
}
