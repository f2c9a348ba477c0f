package io.mjtracker.worker.tracking;

/**
 * What hooks said of one task ({@link Hints}). Made at its first hint: tasks of upstreams without hooks, most of
 * them, carry none of it.
 */
final class HintState {

    /** A hint said it ended, and no poll since showed it unfinished: its end, when seen, was announced. */
    boolean end;
    /** A hint of its end has brought a poll forward already: later ones wait for {@link #pollAllowedAtMillis}. */
    boolean endPolled;
    /** When a hint said something the polls have not seen yet, or -1: none is pending. */
    long pendingSinceMillis = -1;
    /** When any hint of it arrived last, one that changed nothing included. */
    long lastAtMillis;
    /** Hints of its end that a poll then showed unfinished: each doubles the wait before hints count again. */
    byte refutedEnds;
    /** The earliest a hint may bring its next poll to. */
    long pollAllowedAtMillis;
}
