package io.mjtracker.worker.hooks;

/** Where the receiver passes accepted hooks on. */
public interface HintSink {

    /** Passes the hint on without waiting for it to be stored; false where it cannot be taken now (the broker away). */
    boolean offer(Hint hint);
}
