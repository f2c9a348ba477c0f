package io.mjtracker.worker.tracking;

/**
 * What two points in time say about a running task's speed.
 *
 * @param percent progress now, 0..100, or -1 where unknown
 * @param observedAtMillis when it was seen
 * @param sinceMillis a moment of known earlier progress (the upstream's startTime at 0%, or an earlier
 *     observation), or -1
 * @param sincePercent progress at {@code sinceMillis}
 */
public record ProgressObservation(int percent, long observedAtMillis, long sinceMillis, int sincePercent) {

    /** Predicted milliseconds from the observation to 100%, or -1 where the data cannot tell. */
    public long millisToFinish() {
        if (percent < 0 || sinceMillis < 0 || percent <= sincePercent) {
            return -1;
        }
        if (percent >= 100) {
            return 0;
        }
        long elapsed = observedAtMillis - sinceMillis;
        if (elapsed <= 0) {
            return -1;
        }
        double perPercent = (double) elapsed / (percent - sincePercent);
        return (long) (perPercent * (100 - percent));
    }
}
