package io.mjtracker.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.worker.intake.GroupCoverage.Action;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberAssignment;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Input partitions that no member of a stable group owns, and when a worker acts on them. */
class GroupCoverageTest {

    private static final long S = 1_000;

    private static ConsumerGroupDescription group(GroupState state, Set<TopicPartition>... assignments) {
        List<MemberDescription> members = java.util.Arrays.stream(assignments).map(assigned -> new MemberDescription("m" + assigned.hashCode(),
                Optional.of("pod-" + assigned.hashCode()), "client", "host", new MemberAssignment(assigned))).toList();
        return new ConsumerGroupDescription("g", false, members, "cooperative-sticky", GroupType.CLASSIC, state, new Node(1, "b", 9092),
                Set.of(), Optional.empty(), Optional.empty());
    }

    private static Set<TopicPartition> in(int... partitions) {
        return java.util.Arrays.stream(partitions).mapToObj(partition -> new TopicPartition("in", partition))
                .collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void partitionsNoMemberOfAStableGroupOwnsAreUnowned() {
        // The run that stalled: the first member gave 6-11 up in the first round and the second never got them.
        assertThat(GroupCoverage.unownedPartitions(group(GroupState.STABLE, in(0, 1, 2, 3, 4, 5), Set.of()), "in", 12))
                .containsExactly(6, 7, 8, 9, 10, 11);
        assertThat(GroupCoverage.unownedPartitions(group(GroupState.STABLE, in(0, 1, 2, 3, 4, 5), in(6, 7, 8, 9, 10, 11)), "in", 12)).isEmpty();
    }

    @Test
    void aRebalancingOrEmptyGroupIsNotJudged() {
        assertThat(GroupCoverage.unownedPartitions(group(GroupState.PREPARING_REBALANCE, in(0)), "in", 12)).isEmpty();
        assertThat(GroupCoverage.unownedPartitions(group(GroupState.STABLE), "in", 12)).isEmpty();
    }

    @Test
    void theSamePartitionsUnownedFor30SecondsMakeAStaticMemberLeaveOnce() {
        GroupCoverage coverage = new GroupCoverage(null, "g", "in", Optional.of("pod-0"), Clock.systemUTC());
        Set<Integer> orphans = Set.of(6, 7);

        assertThat(coverage.observe(orphans, 0)).isEqualTo(Action.NONE);
        assertThat(coverage.observe(orphans, 29 * S)).as("a round in progress takes seconds").isEqualTo(Action.NONE);
        assertThat(coverage.unowned()).isZero();
        assertThat(coverage.observe(orphans, 30 * S)).isEqualTo(Action.LEAVE);
        assertThat(coverage.unowned()).isEqualTo(2);
        assertThat(coverage.observe(orphans, 31 * S)).as("counted again from the next look").isEqualTo(Action.NONE);
    }

    @Test
    void otherPartitionsUnownedStartTheCountAgainAndADynamicMemberOnlyReports() {
        GroupCoverage coverage = new GroupCoverage(null, "g", "in", Optional.empty(), Clock.systemUTC());

        coverage.observe(Set.of(6), 0);
        assertThat(coverage.observe(Set.of(7), 20 * S)).as("partitions in transit").isEqualTo(Action.NONE);
        assertThat(coverage.observe(Set.of(7), 45 * S)).isEqualTo(Action.NONE);
        assertThat(coverage.observe(Set.of(7), 50 * S)).as("no instance id: it cannot start a round alone").isEqualTo(Action.REPORT);
        assertThat(coverage.observe(Set.of(7), 65 * S)).as("reported once; the gauge carries it on").isEqualTo(Action.NONE);
        assertThat(coverage.unowned()).isEqualTo(1);
        assertThat(coverage.observe(Set.of(), 80 * S)).isEqualTo(Action.NONE);
        assertThat(coverage.unowned()).isZero();
    }
}
