package io.mjtracker.worker.intake;

import io.mjtracker.worker.publish.AbortCheck;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends what an aborted transaction of this worker left open. The coordinator completes an abort without
 * writing its marker to a partition that has no leader at that moment (a broker's controlled shutdown
 * leaves its single-replica partitions leaderless for a moment). The aborted records stay open there, and
 * this worker's next transaction writing to the partition joins them: its commit makes them visible beside
 * the same results published again. {@link HangingTransactions} cannot tell such a transaction from one
 * this worker committed (whose marker was missed the same way, and which its next transaction rightly
 * commits); this check can, because it knows the offsets its committed transactions wrote.
 *
 * <p>Once the coordinator has finished the abort, every partition the group writes is looked at. An open
 * transaction of this worker's producer that starts after the last offset its committed transactions wrote
 * there holds aborted records only: its marker is written here. One that starts at or before it holds
 * committed records, and is left for the next transaction to commit; if the aborted transaction wrote
 * there too, both are in it and neither choice is clean: it is left (a result twice rather than one lost)
 * and reported. On the group's offsets partition an open transaction of this worker is aborted: at worst
 * an offset commit goes back and requests are redone. Publishing waits for the check; a partition that
 * stays without a leader for {@link #PATIENCE} (not counting time in which the cluster did not answer at
 * all, when nothing could be published anyway) is given up, with an error that names it.
 *
 * <p>Not covered: an aborted transaction that used up its producer id's epochs (the coordinator moves the
 * id to a new producer id at its end, once in some 32,000 transactions) is looked for under the new id only.
 */
public final class MissedAbortMarkers implements AbortCheck, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MissedAbortMarkers.class);
    private static final Duration LOOK_AGAIN = Duration.ofMillis(500);
    /** Coordinator states in which the abort's markers may still be going out. */
    private static final Set<TransactionState> UNFINISHED = Set.of(TransactionState.ONGOING, TransactionState.PREPARE_ABORT,
            TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_EPOCH_FENCE);
    static final Duration PATIENCE = Duration.ofMinutes(2);

    /** What to do about an open transaction of this worker's producer found after an abort. */
    enum Action {
        /** It holds aborted records only: write its abort marker. */
        ABORT,
        /** It holds committed records only: the next transaction there commits them. */
        LEAVE_COMMITTED,
        /** It holds committed and aborted records: left, and reported. */
        LEAVE_MIXED
    }

    private final Admin admin;
    private final WrittenPartitions written;
    private final String ownTransactionalId;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private volatile boolean running;
    private volatile long aborted;

    /** @param written the partitions this group's transactions write; its timeout is each look's */
    public MissedAbortMarkers(Admin admin, WrittenPartitions written, String ownTransactionalId, Clock clock) {
        this.admin = admin;
        this.written = written;
        this.ownTransactionalId = ownTransactionalId;
        this.clock = clock;
        this.executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("abort-check").daemon().factory());
    }

    @Override
    public void afterAbort(Map<TopicPartition, Long> committedUpTo, Map<TopicPartition, Long> abortedFrom) {
        running = true;
        Look look = new Look(committedUpTo, abortedFrom, clock.millis() + PATIENCE.toMillis());
        executor.execute(() -> lookUntilDone(look));
    }

    @Override
    public boolean running() {
        return running;
    }

    /** Abort markers written by this check so far. */
    public long aborted() {
        return aborted;
    }

    /** One check: what it knows, the partitions it has looked at, and when it gives up. */
    private static final class Look {
        final Map<TopicPartition, Long> committedUpTo;
        final Map<TopicPartition, Long> abortedFrom;
        final Set<TopicPartition> looked = new HashSet<>();
        long deadlineMillis;

        Look(Map<TopicPartition, Long> committedUpTo, Map<TopicPartition, Long> abortedFrom, long deadlineMillis) {
            this.committedUpTo = committedUpTo;
            this.abortedFrom = abortedFrom;
            this.deadlineMillis = deadlineMillis;
        }
    }

    private void lookUntilDone(Look look) {
        long started = clock.millis();
        List<TopicPartition> left;
        try {
            left = lookOnce(look);
        } catch (ApiException | ExecutionException | TimeoutException e) {
            LOG.debug("looking for missed abort markers failed for now ({}); looking again", e.toString());
            if (clusterAway(e)) {
                // Nothing can be published while the cluster does not answer: waiting for it spends no patience.
                look.deadlineMillis += clock.millis() - started + LOOK_AGAIN.toMillis();
            }
            left = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException e) {
            // Whatever it was, publishing must not stay held by a check that died: it looks again until its deadline.
            LOG.warn("looking for missed abort markers failed unexpectedly; looking again", e);
            left = null;
        }
        if (left != null && left.isEmpty()) {
            running = false;
            return;
        }
        if (clock.millis() >= look.deadlineMillis) {
            LOG.error("could not look at {} for a missed abort marker of this worker's aborted transaction within {}s; publishing "
                    + "goes on. Where the marker was missed, this worker's next transaction there publishes the aborted results a "
                    + "second time", left == null ? "the partitions it writes" : left, PATIENCE.toSeconds());
            running = false;
            return;
        }
        executor.schedule(() -> lookUntilDone(look), LOOK_AGAIN.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A failure that says the cluster did not answer in time, not that it refused. */
    private static boolean clusterAway(Exception failure) {
        Throwable cause = failure instanceof ExecutionException ? failure.getCause() : failure;
        return cause instanceof TimeoutException || cause instanceof RetriableException;
    }

    /**
     * Looks at every partition not looked at yet, once the coordinator has finished the abort.
     *
     * @return the partitions left to look at (leaderless now), or null where the coordinator is not done
     */
    private List<TopicPartition> lookOnce(Look look) throws ExecutionException, TimeoutException, InterruptedException {
        TransactionDescription own = ownTransaction();
        if (own == null || UNFINISHED.contains(own.state())) {
            return null;
        }
        List<TopicPartition> partitions = new ArrayList<>(written.list());
        partitions.removeAll(look.looked);
        if (partitions.isEmpty()) {
            return partitions;
        }
        WrittenPartitions.OpenTransactions found = written.openTransactions(partitions);
        for (var partition : found.open().entrySet()) {
            for (ProducerState producer : partition.getValue()) {
                if (producer.producerId() == own.producerId()) {
                    settle(partition.getKey(), producer, look);
                }
            }
            look.looked.add(partition.getKey()); // only now: a marker that failed to be written is tried again
        }
        if (!found.forbidden().isEmpty()) {
            LOG.warn("may not look at {} for a missed abort marker; the optional ACLs are in docs/deploy.md", found.forbidden());
            look.looked.addAll(found.forbidden());
        }
        return found.unanswered(); // no leader now: their open transactions are looked at once they have one
    }

    /** What the coordinator holds for this worker's transactional id now, or null where it knows none. */
    private TransactionDescription ownTransaction() throws ExecutionException, TimeoutException, InterruptedException {
        return admin.describeTransactions(List.of(ownTransactionalId)).all()
                .get(written.timeout().toMillis(), TimeUnit.MILLISECONDS).get(ownTransactionalId);
    }

    private void settle(TopicPartition partition, ProducerState producer, Look look)
            throws ExecutionException, TimeoutException, InterruptedException {
        long openSince = producer.currentTransactionStartOffset().getAsLong();
        switch (action(partition, openSince, look.committedUpTo, look.abortedFrom)) {
            case ABORT -> {
                if (!stillDone(producer.producerId())) {
                    LOG.info("left the transaction open on {} from offset {}: the coordinator holds a transaction of this worker's "
                            + "transactional id again (another instance of it?)", partition, openSince);
                    return;
                }
                try {
                    HangingTransactions.abortOn(admin, partition, producer);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof AuthorizationException)) {
                        throw e;
                    }
                    LOG.error("this worker's aborted transaction is still open on {} from offset {} (the coordinator missed its marker), "
                            + "and it may not write the marker ({}; the ACLs are in docs/deploy.md). Its next transaction there publishes "
                            + "those results a second time; end it first with: kafka-transactions.sh --bootstrap-server <brokers> abort "
                            + "--topic {} --partition {} --producer-id {} --producer-epoch {} --coordinator-epoch {}", partition, openSince,
                            e.getCause().getMessage(), partition.topic(), partition.partition(), producer.producerId(),
                            producer.producerEpoch(), producer.coordinatorEpoch().orElse(0));
                    return;
                }
                aborted++;
                LOG.warn("this worker's aborted transaction was still open on {} from offset {} (the coordinator missed its marker "
                        + "there: no leader at that moment); aborted it there, so that the next transaction cannot publish its "
                        + "records a second time", partition, openSince);
            }
            case LEAVE_COMMITTED -> LOG.info("a committed transaction of this worker is still open on {} from offset {} (its marker was "
                    + "missed); this worker's next transaction there commits it", partition, openSince);
            case LEAVE_MIXED -> LOG.error("a transaction open on {} from offset {} holds records of this worker's committed and of its "
                    + "aborted transactions (both markers were missed). Aborting it would lose committed results, so it is left: "
                    + "results from offset {} on may be published twice", partition, openSince, look.abortedFrom.get(partition));
        }
    }

    /**
     * Asked again right before a marker is written: the coordinator must still hold the producer id and no live
     * transaction, or the marker could end a live one (of another instance with this transactional id).
     */
    private boolean stillDone(long producerId) throws ExecutionException, TimeoutException, InterruptedException {
        TransactionDescription now = ownTransaction();
        return now != null && now.producerId() == producerId && !UNFINISHED.contains(now.state());
    }

    /** The decision, apart from the calls. */
    static Action action(TopicPartition partition, long openSince, Map<TopicPartition, Long> committedUpTo,
            Map<TopicPartition, Long> abortedFrom) {
        if (partition.topic().equals(WrittenPartitions.OFFSETS_TOPIC) || openSince > committedUpTo.getOrDefault(partition, -1L)) {
            return Action.ABORT;
        }
        return abortedFrom.containsKey(partition) ? Action.LEAVE_MIXED : Action.LEAVE_COMMITTED;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
