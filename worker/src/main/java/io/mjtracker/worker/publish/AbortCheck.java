package io.mjtracker.worker.publish;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * Looks, after one of this worker's transactions was aborted, for partitions where the abort's marker was
 * never written, and ends the transaction there before the next one can join it. While it runs, nothing
 * new is published.
 */
public interface AbortCheck {

    /** Checks nothing: for a cluster where no marker can be missed, and for tests of other things. */
    AbortCheck NONE = new AbortCheck() {
        @Override
        public void afterAbort(Map<TopicPartition, Long> committedUpTo, Map<TopicPartition, Long> abortedFrom) {
        }

        @Override
        public boolean running() {
            return false;
        }
    };

    /**
     * Starts looking.
     *
     * @param committedUpTo per partition, the last offset a committed transaction of this worker wrote there in this run
     * @param abortedFrom per partition, the first offset the aborted transaction is known to have written there
     */
    void afterAbort(Map<TopicPartition, Long> committedUpTo, Map<TopicPartition, Long> abortedFrom);

    /** True from {@link #afterAbort} until the check has ended. */
    boolean running();
}
