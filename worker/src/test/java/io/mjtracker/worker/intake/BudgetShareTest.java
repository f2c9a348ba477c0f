package io.mjtracker.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mjtracker.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class BudgetShareTest {

    private static final double LIMIT = 30;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private final List<Double> applied = new ArrayList<>();
    private final Map<BudgetShare, Double> lastApplied = new IdentityHashMap<>();
    private OptionalInt partitionCount = OptionalInt.of(12);
    private int counted;

    private BudgetShare budget() {
        BudgetShare budget = new BudgetShare(() -> {
            counted++;
            return partitionCount;
        }, clock);
        budget.follow(LIMIT, rate -> {
            applied.add(rate);
            lastApplied.put(budget, rate);
        });
        return budget;
    }

    /** The rate {@code budget} last applied to its guard. */
    private double rate(BudgetShare budget) {
        return lastApplied.get(budget);
    }

    private static List<TopicPartition> partitions(int... numbers) {
        return IntStream.of(numbers).mapToObj(n -> new TopicPartition("mj.tasks", n)).toList();
    }

    @Test
    void theShareIsTheLimitTimesOwnedOverAllPartitions() {
        assertThat(BudgetShare.share(LIMIT, 4, 12)).isCloseTo(10, within(1e-9));
        assertThat(BudgetShare.share(LIMIT, 12, 12)).isEqualTo(LIMIT);
        assertThat(BudgetShare.share(LIMIT, 0, 12)).isZero();
        assertThat(BudgetShare.share(0.1, 1, 10_000)).isCloseTo(1e-5, within(1e-12));
    }

    @Test
    void anInstanceThatOwnsNothingSendsNothingFromTheStart() {
        BudgetShare budget = budget();

        assertThat(applied).containsExactly(0.0);
        assertThat(rate(budget)).isZero();
    }

    @Test
    void sharesOfAnySplitAddUpToTheWholeLimit() {
        BudgetShare one = budget();
        BudgetShare two = budget();
        BudgetShare three = budget();

        one.taken(partitions(0, 1, 2, 3, 4));
        two.taken(partitions(5, 6, 7, 8));
        three.taken(partitions(9, 10, 11));

        assertThat(rate(one) + rate(two) + rate(three)).isCloseTo(LIMIT, within(1e-9));
        assertThat(rate(one)).isCloseTo(12.5, within(1e-9));
    }

    @Test
    void givingPartitionsUpLowersTheShareAndTakingThemRaisesIt() {
        BudgetShare budget = budget();
        budget.taken(partitions(0, 1, 2, 3, 4, 5));
        assertThat(rate(budget)).isEqualTo(15);

        budget.releasing(partitions(4, 5));
        assertThat(rate(budget)).isEqualTo(10);
        budget.releasing(partitions(0, 1, 2, 3));
        assertThat(rate(budget)).as("owning nothing, sending nothing").isZero();
        budget.taken(partitions(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
        assertThat(rate(budget)).isEqualTo(LIMIT);
        assertThat(applied).containsExactly(0.0, 15.0, 10.0, 0.0, LIMIT);
    }

    @Test
    void releasingNeverAsksForThePartitionCount() {
        BudgetShare budget = budget();
        budget.taken(partitions(0, 1, 2));
        int before = counted;

        budget.releasing(partitions(2));

        assertThat(counted).as("a revocation may not wait on metadata or be woken halfway").isEqualTo(before);
        assertThat(rate(budget)).isEqualTo(5);
    }

    /** Owns 6 of 12 partitions, then the topic grows to 24 (nothing has noticed yet). */
    private BudgetShare halfOfATopicThatDoubles() {
        BudgetShare budget = budget();
        budget.taken(partitions(0, 1, 2, 3, 4, 5));
        partitionCount = OptionalInt.of(24);
        return budget;
    }

    @Test
    void aRebalanceThatBringsNothingStillNoticesAGrownTopic() {
        BudgetShare budget = halfOfATopicThatDoubles();

        budget.taken(List.of());

        assertThat(rate(budget)).isEqualTo(7.5);
    }

    @Test
    void aGrownTopicIsNoticedBetweenRebalancesWithinTheRecountInterval() {
        BudgetShare budget = halfOfATopicThatDoubles();

        budget.recheck();
        assertThat(rate(budget)).as("counted a moment ago").isEqualTo(15);
        clock.advance(BudgetShare.RECOUNT_INTERVAL);
        budget.recheck();

        assertThat(rate(budget)).isEqualTo(7.5);
    }

    @Test
    void everyUpstreamGetsTheSameFractionOfItsOwnLimit() {
        BudgetShare budget = budget();
        List<Double> other = new ArrayList<>();
        budget.follow(4, other::add);

        budget.taken(partitions(0, 1, 2));

        assertThat(applied).last().isEqualTo(7.5);
        assertThat(other).containsExactly(0.0, 1.0);
    }

    @Test
    void anUnknownCountKeepsTheLastKnownOne() {
        BudgetShare budget = budget();
        budget.taken(partitions(0, 1, 2));
        partitionCount = OptionalInt.empty();

        budget.taken(partitions(3));

        assertThat(rate(budget)).isEqualTo(10);
    }

    @Test
    void aPartitionNumberedPastAStaleCountStopsSendingUntilTheCountIsKnown() {
        BudgetShare budget = budget();
        budget.taken(partitions(0, 1));
        partitionCount = OptionalInt.empty();

        budget.taken(partitions(12, 13, 14, 15));
        assertThat(rate(budget)).as("the topic grew by an unknown number: any share could overshoot").isZero();

        partitionCount = OptionalInt.of(24);
        clock.advance(Duration.ofSeconds(1));
        budget.recheck();
        assertThat(rate(budget)).as("asked again within a second").isEqualTo(LIMIT * 6 / 24);
    }

    @Test
    void withNoCountEverKnownNothingIsSentUntilItIs() {
        // Owners of 0-3, 4-7 and 8-11 that guessed the total from their own partitions would take 4/4 + 4/8
        // + 4/12 = 1.83 times the limit together.
        partitionCount = OptionalInt.empty();
        BudgetShare[] owners = {budget(), budget(), budget()};
        owners[0].taken(partitions(0, 1, 2, 3));
        owners[1].taken(partitions(4, 5, 6, 7));
        owners[2].taken(partitions(8, 9, 10, 11));
        assertThat(rate(owners[0]) + rate(owners[1]) + rate(owners[2])).isZero();

        partitionCount = OptionalInt.of(12);
        clock.advance(Duration.ofSeconds(1));
        for (BudgetShare owner : owners) {
            owner.recheck();
        }
        assertThat(rate(owners[0]) + rate(owners[1]) + rate(owners[2])).isCloseTo(LIMIT, within(1e-9));
    }

    @Test
    void anUnchangedShareIsNotAppliedAgain() {
        BudgetShare budget = budget();
        budget.taken(partitions(0, 1, 2));
        clock.advance(Duration.ofMinutes(5));
        budget.recheck();
        budget.taken(List.of());

        assertThat(applied).containsExactly(0.0, 7.5);
    }
}
