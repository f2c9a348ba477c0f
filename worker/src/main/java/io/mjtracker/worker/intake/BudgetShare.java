package io.mjtracker.worker.intake;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.DoubleConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's share of the group's request budgets: each upstream profile's rate limit is its API
 * key's limit for every instance together, and each instance takes limit × the input partitions it owns
 * / all partitions of the input topic, the same fraction of every profile's limit. Kafka's group
 * assignment decides who owns what, so the shares add up to at most the whole as long as an instance
 * lowers its share before it gives partitions up and raises it only after it has taken them: the
 * rebalance callbacks call {@link #releasing} and {@link #taken} in that order. Runs on the consumer thread; {@link #rate()} may be read from any.
 * Design and failure cases: docs/budget.md.
 */
public final class BudgetShare {

    /** How often the partition count is looked at again between rebalances (a topic may grow). */
    static final Duration RECOUNT_INTERVAL = Duration.ofSeconds(30);
    /** How often it is asked again while it is not known, and the share is 0. */
    static final Duration UNKNOWN_RECOUNT_INTERVAL = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(BudgetShare.class);

    /** The input topic's partition count as far as it can be told quickly; empty where it cannot. */
    @FunctionalInterface
    public interface PartitionCount {
        OptionalInt get();
    }

    /** One budget this instance takes its share of. */
    private record Budget(double groupLimit, DoubleConsumer applyRate) {}

    private final PartitionCount partitionCount;
    private final Clock clock;
    private final List<Budget> budgets = new ArrayList<>();
    private final Set<TopicPartition> owned = new HashSet<>();
    private int knownTotal;
    private long lastCountMillis;
    private int sharedOwned;
    private int sharedTotal;
    private boolean countUnknownLogged;

    public BudgetShare(PartitionCount partitionCount, Clock clock) {
        this.partitionCount = partitionCount;
        this.clock = clock;
    }

    /**
     * Takes a share of {@code groupLimit} from now on; the share is applied at once, 0 before any partition
     * is owned: an instance that owns nothing sends nothing. Before the consumer starts.
     *
     * @param applyRate takes every new share, requests per second
     */
    public void follow(double groupLimit, DoubleConsumer applyRate) {
        budgets.add(new Budget(groupLimit, applyRate));
        applyRate.accept(share(groupLimit, sharedOwned, sharedTotal));
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
        Duration interval = countKnown() ? RECOUNT_INTERVAL : UNKNOWN_RECOUNT_INTERVAL;
        if (clock.millis() - lastCountMillis >= interval.toMillis()) {
            recount();
            update();
        }
    }

    private void recount() {
        lastCountMillis = clock.millis();
        partitionCount.get().ifPresent(count -> knownTotal = count);
    }

    /**
     * Whether the partition count is known: it has been counted once, and no owned partition is numbered
     * past it (which proves it stale: the topic grew, and by how much is unknown).
     */
    private boolean countKnown() {
        return owned.isEmpty() || knownTotal > owned.stream().mapToInt(TopicPartition::partition).max().orElse(-1);
    }

    private void update() {
        // Without the count, no share is safe: owners of 0-3, 4-7 and 8-11 guessing 4, 8 and 12 partitions
        // would take 1.83 times the key's limit together. Nothing is sent until it is known (asked every second).
        int owns = countKnown() ? owned.size() : 0;
        int total = countKnown() ? knownTotal : 0;
        if (countKnown() == countUnknownLogged) {
            countUnknownLogged = !countKnown();
            if (countUnknownLogged) {
                LOG.warn("the partition count of the input topic is not known (or owned partitions prove it stale): "
                        + "no requests until it is, so that the group's shares cannot add up to more than the key's limit");
            }
        }
        if (owns == sharedOwned && total == sharedTotal) {
            return;
        }
        sharedOwned = owns;
        sharedTotal = total;
        for (Budget budget : budgets) {
            budget.applyRate().accept(share(budget.groupLimit(), sharedOwned, sharedTotal));
        }
        LOG.info("rate share: {} of {} input partitions, so {}% of each upstream's group limit",
                sharedOwned, sharedTotal, String.format("%.1f", sharedTotal == 0 ? 0.0 : 100.0 * sharedOwned / sharedTotal));
    }
}
