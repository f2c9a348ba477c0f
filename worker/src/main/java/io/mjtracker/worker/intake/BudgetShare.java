package io.mjtracker.worker.intake;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.DoubleConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's share of the group's request budget: {@code TRACKER_RATE_LIMIT_PER_SECOND} is the
 * API key's limit for every instance together, and each takes limit × the input partitions it owns /
 * all partitions of the input topic. Kafka's group assignment decides who owns what, so the shares add
 * up to at most the whole as long as an instance lowers its share before it gives partitions up and
 * raises it only after it has taken them: the rebalance callbacks call {@link #releasing} and
 * {@link #taken} in that order. Runs on the consumer thread; {@link #rate()} may be read from any.
 * Design and failure cases: docs/budget.md.
 */
public final class BudgetShare {

    /** How often the partition count is looked at again between rebalances (a topic may grow). */
    static final Duration RECOUNT_INTERVAL = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(BudgetShare.class);

    /** The input topic's partition count as far as it can be told quickly; empty where it cannot. */
    @FunctionalInterface
    public interface PartitionCount {
        OptionalInt get();
    }

    private final double groupLimit;
    private final PartitionCount partitionCount;
    private final DoubleConsumer applyRate;
    private final Clock clock;
    private final Set<TopicPartition> owned = new HashSet<>();
    private int knownTotal;
    private long lastCountMillis;
    private volatile double rate;

    /**
     * Starts at a share of 0, applied at once: an instance that owns nothing sends nothing.
     *
     * @param applyRate takes every new share, requests per second
     */
    public BudgetShare(double groupLimit, PartitionCount partitionCount, DoubleConsumer applyRate, Clock clock) {
        this.groupLimit = groupLimit;
        this.partitionCount = partitionCount;
        this.applyRate = applyRate;
        this.clock = clock;
        applyRate.accept(0);
    }

    /** The share of {@code groupLimit} that {@code owned} of {@code total} partitions carry. */
    static double share(double groupLimit, int owned, int total) {
        return total <= 0 ? 0 : groupLimit * Math.min(owned, total) / total;
    }

    /**
     * Before {@code partitions} are given up (revoked, or lost to the group). Uses the last known
     * partition count rather than asking: nothing here may wait, or be woken, halfway through a revocation.
     */
    public void releasing(Collection<TopicPartition> partitions) {
        if (owned.removeAll(partitions)) {
            update();
        }
    }

    /** After {@code partitions} were taken; also after a rebalance that brought none, since the topic may have grown. */
    public void taken(Collection<TopicPartition> partitions) {
        owned.addAll(partitions);
        recount();
        update();
    }

    /**
     * Between rebalances, every {@link #RECOUNT_INTERVAL}: notices partitions added to the topic, which
     * shrink every share (the consumer's metadata, where the count comes from, refreshes at least every
     * {@code metadata.max.age.ms}).
     */
    public void recheck() {
        if (clock.millis() - lastCountMillis >= RECOUNT_INTERVAL.toMillis()) {
            recount();
            update();
        }
    }

    /** This instance's share now, requests per second. */
    public double rate() {
        return rate;
    }

    private void recount() {
        lastCountMillis = clock.millis();
        partitionCount.get().ifPresent(count -> knownTotal = count);
    }

    private void update() {
        // A partition numbered past the known count proves the count stale: the topic grew.
        int highest = owned.stream().mapToInt(TopicPartition::partition).max().orElse(-1);
        int total = Math.max(knownTotal, highest + 1);
        double next = share(groupLimit, owned.size(), total);
        if (next != rate) {
            rate = next;
            applyRate.accept(next);
            LOG.info("rate share {}/s: {} of {} input partitions of a group limit of {}/s",
                    String.format("%.3f", next), owned.size(), total, groupLimit);
        }
    }
}
