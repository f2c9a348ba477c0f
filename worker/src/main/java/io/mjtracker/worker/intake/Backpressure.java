package io.mjtracker.worker.intake;

import io.mjtracker.worker.config.TrackingSettings;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which input partitions are paused, and why: all of them at the in-flight cap (until open requests fall
 * below the resume mark); a partition whose committed offset is not known yet; a partition whose offset
 * window is full; a partition a transaction in doubt wrote checkpoints to. An open circuit pauses nothing: input partitions mix upstreams, and pausing them for
 * one would stall the others (the dead upstream's requests wait in memory, up to the cap). Consumer thread only.
 */
final class Backpressure {

    private static final Logger LOG = LoggerFactory.getLogger(Backpressure.class);

    private final Consumer<?, ?> consumer;
    private final TrackingSettings tracking;
    private final Set<TopicPartition> paused = new HashSet<>();
    /**
     * Partitions paused because their window is full, logged once per episode: a sign of too few partitions
     * for the load. An episode ends only when the window is half empty, so a partition that resumes for one
     * poll and fills again at once is not logged every time.
     */
    private final Set<TopicPartition> windowFull = new HashSet<>();
    private boolean capPaused;

    Backpressure(Consumer<?, ?> consumer, TrackingSettings tracking) {
        this.consumer = consumer;
        this.tracking = tracking;
    }

    /** Pauses {@code partitions} at once (just assigned: nothing may be read before their offsets are known). */
    void pauseNow(Collection<TopicPartition> partitions) {
        consumer.pause(partitions);
        paused.addAll(partitions);
    }

    /** The partitions are no longer assigned; the consumer forgets their pause itself. */
    void forget(Collection<TopicPartition> partitions) {
        paused.removeAll(partitions);
        windowFull.removeAll(partitions);
    }

    int pausedCount() {
        return paused.size();
    }

    /** Whether every partition is paused at the in-flight cap. */
    boolean capPaused() {
        return capPaused;
    }

    /** Partitions whose window is full (paused unless the cap pauses every partition anyway). */
    int windowFullCount() {
        return windowFull.size();
    }

    /**
     * @param open requests open that count against the cap
     * @param unsettled partitions a transaction whose commit is in doubt wrote checkpoints to: not read
     *     until it settles, since until then a checkpoint record read there cannot be told from a new request
     */
    void apply(int open, Map<TopicPartition, OwnedPartition> owned, Set<TopicPartition> awaiting, Set<TopicPartition> unsettled) {
        if (open >= tracking.maxInFlight()) {
            if (!capPaused) {
                LOG.info("intake paused: in-flight cap {} reached", tracking.maxInFlight());
            }
            capPaused = true;
        } else if (capPaused && open < tracking.resumeInFlight()) {
            LOG.info("intake resumed: {} requests open", open);
            capPaused = false;
        }
        Set<TopicPartition> wanted = new HashSet<>(awaiting);
        unsettled.stream().filter(owned::containsKey).forEach(wanted::add);
        if (capPaused) {
            wanted.addAll(owned.keySet());
        } else {
            owned.forEach((partition, state) -> {
                if (state.progress.windowFull()) {
                    wanted.add(partition);
                    if (windowFull.add(partition)) {
                        LOG.info("{} paused: {} requests in progress across {} offsets fill the window its commit can describe;"
                                + " it reads on as the oldest finish (more input partitions hold more requests at once)",
                                partition, state.progress.pendingCount(), state.progress.readSpan());
                    }
                } else if (state.progress.readSpan() < OffsetMetadataCodec.MAX_DENSE_SPAN / 2) {
                    windowFull.remove(partition);
                }
            });
        }
        Set<TopicPartition> toPause = new HashSet<>(wanted);
        toPause.removeAll(paused);
        Set<TopicPartition> toResume = new HashSet<>(paused);
        toResume.removeAll(wanted);
        if (!toPause.isEmpty()) {
            consumer.pause(toPause);
            paused.addAll(toPause);
        }
        if (!toResume.isEmpty()) {
            consumer.resume(toResume);
            paused.removeAll(toResume);
        }
    }
}
