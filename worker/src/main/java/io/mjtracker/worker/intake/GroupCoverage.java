package io.mjtracker.worker.intake;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.errors.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Input partitions that no member of the group owns while the group is stable: nobody reads them, and no
 * worker's health shows it. Cooperative rebalancing moves a partition in two rounds (its owner gives it up,
 * then a follow-up round gives it to another member); a worker killed between the two, with static
 * membership, comes back with what it still owned and its replacement's join starts no new round, so the
 * partitions it gave up stay with nobody until something else rebalances the group ({@code bench/run
 * crash-churn-stops}: half the partitions for the whole run). The worker looks every 15 s; partitions left
 * unowned for 30 s are counted ({@code mjtracker_partitions_unowned}, with an alert), and a worker with a
 * static instance id takes itself out of the group (Admin {@code removeMembersFromConsumerGroup}), which
 * starts a full round: its consumer rejoins and every partition is assigned again. Runs on a thread of its
 * own: the Admin calls block.
 */
public final class GroupCoverage implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroupCoverage.class);
    private static final Duration CHECK_INTERVAL = Duration.ofSeconds(15);
    /** Longer than a cooperative round's two halves take: partitions unowned this long are not in transit. */
    static final Duration UNOWNED_FOR = Duration.ofSeconds(30);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);

    private final Admin admin;
    private final String groupId;
    private final String inputTopic;
    private final Optional<String> instanceId;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private Set<Integer> lastUnowned = Set.of();
    private long unownedSinceMillis = -1;
    private boolean reported;
    private volatile int unowned;
    private volatile long rebalancesForced;

    /**
     * @param instanceId this worker's static group instance id, if it has one: only then can it start a round
     * @param clock measures how long partitions stay unowned
     */
    public GroupCoverage(Admin admin, String groupId, String inputTopic, Optional<String> instanceId, Clock clock) {
        this.admin = admin;
        this.groupId = groupId;
        this.inputTopic = inputTopic;
        this.instanceId = instanceId;
        this.clock = clock;
        this.executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("group-coverage").daemon().factory());
    }

    public void start() {
        executor.scheduleWithFixedDelay(this::checkQuietly, CHECK_INTERVAL.toMillis(), CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Input partitions unowned by any member for at least {@link #UNOWNED_FOR} at the last check. */
    public int unowned() {
        return unowned;
    }

    /** Rounds this worker started by taking itself out of the group. */
    public long rebalancesForced() {
        return rebalancesForced;
    }

    private void checkQuietly() {
        try {
            check();
        } catch (ApiException | ExecutionException | TimeoutException e) {
            LOG.debug("could not look at the group's assignment: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void check() throws ExecutionException, TimeoutException, InterruptedException {
        int partitions = admin.describeTopics(List.of(inputTopic)).allTopicNames().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .get(inputTopic).partitions().size();
        ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId)).all()
                .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(groupId);
        Set<Integer> now = unownedPartitions(group, inputTopic, partitions);
        long nowMillis = clock.millis();
        long forSeconds = (nowMillis - unownedSinceMillis) / 1000;
        switch (observe(now, nowMillis)) {
            case NONE -> { }
            case REPORT -> LOG.error("input partitions {} of {} have had no owner in group {} for {} s; nobody reads them. A rebalance "
                    + "ends it (restart one worker)", now, inputTopic, groupId, forSeconds);
            case LEAVE -> leave(now, forSeconds);
        }
    }

    private void leave(Set<Integer> unownedNow, long forSeconds) throws TimeoutException, InterruptedException {
        LOG.warn("input partitions {} of {} have had no owner in group {} for {} s (a cooperative rebalance whose second round "
                + "never came); taking this worker ({}) out of the group so that a full rebalance assigns every partition again",
                unownedNow, inputTopic, groupId, forSeconds, instanceId.orElseThrow());
        try {
            admin.removeMembersFromConsumerGroup(groupId, new RemoveMembersFromConsumerGroupOptions(
                    List.of(new MemberToRemove(instanceId.orElseThrow())))).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            rebalancesForced++;
        } catch (ExecutionException e) {
            // The gauge stays up, so the alert fires; the next look past the bound tries again.
            LOG.error("could not leave group {} to end it ({}); restart one worker", groupId, e.getCause().toString());
        }
    }

    /** What the unowned partitions seen now call for. */
    enum Action { NONE, REPORT, LEAVE }

    /**
     * Counts the same partitions unowned from when they were first seen so; none, or others than before, is a
     * round moving partitions, which takes seconds. Past {@link #UNOWNED_FOR}: leave the group where this
     * worker has a static instance id (then it starts over), or report.
     */
    Action observe(Set<Integer> now, long nowMillis) {
        if (now.isEmpty() || !now.equals(lastUnowned)) {
            lastUnowned = now;
            unownedSinceMillis = now.isEmpty() ? -1 : nowMillis;
            unowned = 0;
            reported = false;
            return Action.NONE;
        }
        if (nowMillis - unownedSinceMillis < UNOWNED_FOR.toMillis()) {
            return Action.NONE;
        }
        unowned = now.size();
        if (instanceId.isEmpty()) {
            // Once per stall: the gauge and its alert carry it from then on.
            boolean first = !reported;
            reported = true;
            return first ? Action.REPORT : Action.NONE;
        }
        lastUnowned = Set.of();
        unownedSinceMillis = -1;
        return Action.LEAVE;
    }

    /**
     * The partitions of {@code topic} (numbered below {@code partitions}) no member of a stable group owns;
     * none while the group is rebalancing or empty (with no member, nobody is expected to read).
     */
    static Set<Integer> unownedPartitions(ConsumerGroupDescription group, String topic, int partitions) {
        if (group.groupState() != GroupState.STABLE || group.members().isEmpty()) {
            return Set.of();
        }
        Set<Integer> owned = group.members().stream().flatMap(member -> member.assignment().topicPartitions().stream())
                .filter(partition -> partition.topic().equals(topic)).map(partition -> partition.partition()).collect(Collectors.toSet());
        return IntStream.range(0, partitions).filter(partition -> !owned.contains(partition)).boxed()
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
