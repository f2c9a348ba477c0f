package io.mjtracker.worker.intake;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and ends hanging transactions (KIP-664) on every partition this group's transactions write: the
 * group's {@code __consumer_offsets} partition and the partitions of the results, dead-letter and input
 * (checkpoint) topics. A transaction the broker left open there with no coordinator knowing of it is never
 * aborted by any timeout. On the offsets partition the broker withholds the group's committed offsets for
 * good, so the partitions this worker is assigned wait forever while health stays green; on an output
 * partition read_committed consumers stop at it. Worse, a later transaction of the same producer id that
 * writes to the partition joins it (the broker keeps the open transaction's start) and commits its records:
 * results of an aborted transaction become visible beside the ones published again (duplicates).
 *
 * <p>How one is left: a transaction ends while a partition it wrote has no leader (a single broker's
 * controlled shutdown gives every single-replica partition the leader -1 for a moment), and the
 * coordinator completes it without that partition's marker ("Couldn't find leader endpoint ... likely
 * deleted", {@code bench/run crash-churn-stops} with an idle topic of 2,000 partitions). It skips every
 * leaderless partition of the transaction, so on one broker the whole transaction is left open.
 *
 * <p>The worker looks when it starts, before its first commit (its own producer's must be gone before its
 * first transaction joins it), and whenever some partition has waited far longer for its committed offset
 * than any live transaction of this group can last. An open transaction of one of this
 * group's producers (a transactional id {@code mj-tracker-<group>-...}) at an epoch its coordinator has
 * moved past, and not live on that partition, is dead: it is aborted on every partition it is open on, and
 * the log says so; aborted everywhere it is as if it had been aborted, so its requests are redone, once.
 * Any other open transaction is named with the command that ends it, and counted
 * ({@code mjtracker_hanging_transactions}, with an alert), for an operator to decide. Runs on a thread of
 * its own: the Admin calls block.
 */
public final class HangingTransactions implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HangingTransactions.class);
    /** Cheap while nothing waits: only a partition waiting past {@link #SUSPECT_AFTER} leads to Admin calls. */
    private static final Duration CHECK_INTERVAL = Duration.ofSeconds(5);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);
    private static final Set<TransactionState> LIVE =
            Set.of(TransactionState.ONGOING, TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT);

    /** What to do about one open transaction on a partition this group's transactions write. */
    sealed interface Verdict {
        /** Young enough to be a live transaction that ends by itself. */
        record Wait() implements Verdict {}

        /** One of this group's producers left it behind and has moved on: abort it. */
        record Abort(String transactionalId) implements Verdict {}

        /** Not provably dead, or not ours: an operator decides. */
        record Report(String why) implements Verdict {}
    }

    /**
     * How long a partition waits for its committed offset before open transactions are looked at, and how
     * old one must be to count as hanging: twice the workers' transaction timeout (10 s), after which a
     * coordinator has aborted any live transaction of theirs. Only the coordinator's answer decides an
     * abort ({@link #verdict}); this bound only spares it needless questions.
     */
    static final Duration SUSPECT_AFTER = Duration.ofSeconds(20);

    private final Admin admin;
    private final WrittenPartitions written;
    private final String transactionalIdPrefix;
    private final String ownTransactionalId;
    private final LongSupplier longestOffsetWaitMillis;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private volatile int unresolved;
    private volatile long aborted;

    /**
     * @param written the partitions this group's transactions write
     * @param transactionalIdPrefix what every transactional id of this group's workers starts with
     * @param ownTransactionalId this worker's own transactional id
     * @param longestOffsetWaitMillis how long the partition waiting longest for its committed offset has waited
     */
    public HangingTransactions(Admin admin, WrittenPartitions written, String transactionalIdPrefix,
            String ownTransactionalId, LongSupplier longestOffsetWaitMillis, Clock clock) {
        this.admin = admin;
        this.written = written;
        this.transactionalIdPrefix = transactionalIdPrefix;
        this.ownTransactionalId = ownTransactionalId;
        this.longestOffsetWaitMillis = longestOffsetWaitMillis;
        this.clock = clock;
        this.executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("hanging-transactions").daemon().factory());
    }

    /**
     * Looks once, before this worker commits anything: a hanging transaction of its own producer must be
     * gone before its first transaction, which would otherwise join it (the broker keeps an open
     * transaction's start when a later epoch of the same producer writes) and commit what it holds. Then
     * looks again whenever a partition has waited long for its committed offset.
     */
    public void start() {
        checkQuietly(true);
        executor.scheduleWithFixedDelay(this::checkIfStalled, CHECK_INTERVAL.toMillis(), CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Open transactions on the partitions this group writes found at the last check that were not aborted. */
    public int unresolved() {
        return unresolved;
    }

    /** Hanging transactions of this group's producers aborted so far. */
    public long aborted() {
        return aborted;
    }

    private void checkIfStalled() {
        if (longestOffsetWaitMillis.getAsLong() < SUSPECT_AFTER.toMillis()) {
            unresolved = 0;
            return;
        }
        checkQuietly(false);
    }

    private void checkQuietly(boolean atStart) {
        try {
            check(atStart);
        } catch (ApiException | ExecutionException | TimeoutException e) {
            LOG.warn("could not look for hanging transactions on the partitions the group writes ({}); the ACLs they need "
                    + "are in docs/deploy.md", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Looks at the open transactions on the partitions this group writes once, aborting the dead ones of this
     * group. This worker's own producer's are aborted only {@code atStart}: they were left by an earlier run of
     * it, whose outcome nobody knows, so all of it goes; one left during this run covers work this worker
     * counts as committed, and its own next transaction there joins and commits it (one it aborted is
     * ended by {@link MissedAbortMarkers}, which knows its own offsets).
     */
    void check(boolean atStart) throws ExecutionException, TimeoutException, InterruptedException {
        List<TopicPartition> partitions = written.list();
        if (partitions.isEmpty()) {
            return;
        }
        WrittenPartitions.OpenTransactions found = written.openTransactions(partitions);
        Map<Long, Optional<Owner>> owners = new HashMap<>();
        int left = 0;
        for (var partition : found.open().entrySet()) {
            for (ProducerState producer : partition.getValue()) {
                if (!settled(partition.getKey(), producer, owners, atStart)) {
                    left++;
                }
            }
        }
        unresolved = left;
        if (!found.forbidden().isEmpty()) {
            LOG.warn("may not look for hanging transactions on {}; the ACLs they need are in docs/deploy.md", found.forbidden());
        }
        if (!found.unanswered().isEmpty()) {
            LOG.warn("could not look for hanging transactions on {}: no answer within {} s (no leader now?); the others were looked at",
                    found.unanswered(), written.timeout().toSeconds());
        }
    }

    /** Aborts {@code producer}'s open transaction on {@code partition} where it is dead and this group's; false where it is left. */
    private boolean settled(TopicPartition partition, ProducerState producer, Map<Long, Optional<Owner>> owners, boolean atStart)
            throws ExecutionException, TimeoutException, InterruptedException {
        Optional<Owner> owner = ownerOf(producer.producerId(), owners);
        if (!atStart && owner.isPresent() && owner.get().transactionalId().equals(ownTransactionalId)) {
            return true;
        }
        Verdict verdict = verdict(partition, producer, owner, transactionalIdPrefix, ownTransactionalId, clock.millis());
        if (verdict instanceof Verdict.Abort) {
            // Asked again right before acting: the coordinator's view must still say it is dead.
            owners.remove(producer.producerId());
            verdict = verdict(partition, producer, ownerOf(producer.producerId(), owners), transactionalIdPrefix, ownTransactionalId,
                    clock.millis());
        }
        switch (verdict) {
            case Verdict.Wait waiting -> {
                return true;
            }
            case Verdict.Abort abort -> {
                abortOn(admin, partition, producer);
                aborted++;
                LOG.warn("aborted a hanging transaction on {} left by this group's producer {} (transactional id {}) at epoch {}, "
                        + "open since offset {}: partitions waiting for their committed offsets and readers stopped at it can go on, "
                        + "and this producer's next transaction cannot join it", partition, producer.producerId(), abort.transactionalId(),
                        producer.producerEpoch(), producer.currentTransactionStartOffset().getAsLong());
                return true;
            }
            case Verdict.Report report -> {
                LOG.error("a transaction on {} has been open since offset {} (producer id {}, epoch {}): {}. Until it ends, the broker "
                        + "withholds what follows it from read_committed readers (on {}: the group's committed offsets). If it is "
                        + "hanging, end it with: kafka-transactions.sh --bootstrap-server <brokers> abort --topic {} --partition {} "
                        + "--producer-id {} --producer-epoch {} --coordinator-epoch {}", partition,
                        producer.currentTransactionStartOffset().getAsLong(), producer.producerId(), producer.producerEpoch(),
                        report.why(), WrittenPartitions.OFFSETS_TOPIC, partition.topic(), partition.partition(), producer.producerId(),
                        producer.producerEpoch(), producer.coordinatorEpoch().orElse(0));
                return false;
            }
        }
    }

    /** Writes the abort marker of {@code producer}'s open transaction on {@code partition} (KIP-664), as the coordinator would have. */
    static void abortOn(Admin admin, TopicPartition partition, ProducerState producer)
            throws ExecutionException, TimeoutException, InterruptedException {
        admin.abortTransaction(new AbortTransactionSpec(partition, producer.producerId(), (short) producer.producerEpoch(),
                producer.coordinatorEpoch().orElse(0))).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private Optional<Owner> ownerOf(long producerId, Map<Long, Optional<Owner>> owners)
            throws ExecutionException, TimeoutException, InterruptedException {
        Optional<Owner> known = owners.get(producerId);
        if (known == null) {
            known = owner(producerId);
            owners.put(producerId, known);
        }
        return known;
    }

    /** The transactional id holding {@code producerId} now and its coordinator's view of it, if any. */
    private Optional<Owner> owner(long producerId) throws ExecutionException, TimeoutException, InterruptedException {
        List<TransactionListing> listings = new ArrayList<>(admin.listTransactions(new ListTransactionsOptions()
                .filterProducerIds(List.of(producerId))).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        if (listings.isEmpty()) {
            return Optional.empty();
        }
        String transactionalId = listings.getFirst().transactionalId();
        Map<String, TransactionDescription> described = admin.describeTransactions(List.of(transactionalId)).all()
                .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return Optional.ofNullable(described.get(transactionalId)).map(description -> new Owner(transactionalId, description));
    }

    /** A transactional id and what its coordinator says of it now. */
    record Owner(String transactionalId, TransactionDescription description) {}

    /**
     * The decision, apart from the calls. An open transaction is this group's and dead when its producer
     * id still belongs to one of the group's transactional ids, the coordinator has moved that id past
     * the transaction's epoch, and holds no live transaction on the partition (idle, or live elsewhere);
     * and it is older than any live one can be, unless it is this worker's own, whose live transactions it
     * knows are not open there at an older epoch. It is aborted on every partition it is open on, so it ends
     * as an aborted transaction would: its offsets not committed, its results not published, its requests
     * redone. Leaving it open is worse: a later transaction of the same producer touching the partition
     * would join it and commit what it holds.
     */
    static Verdict verdict(TopicPartition partition, ProducerState producer, Optional<Owner> owner, String transactionalIdPrefix,
            String ownTransactionalId, long nowMillis) {
        boolean own = owner.isPresent() && owner.get().transactionalId().equals(ownTransactionalId);
        if (!own && nowMillis - producer.lastTimestamp() < SUSPECT_AFTER.toMillis()) {
            return new Verdict.Wait();
        }
        if (owner.isEmpty()) {
            return new Verdict.Report("no transaction coordinator knows its producer id");
        }
        String id = owner.get().transactionalId();
        TransactionDescription now = owner.get().description();
        if (!id.startsWith(transactionalIdPrefix)) {
            return new Verdict.Report("it belongs to transactional id " + id + ", not to this group's workers");
        }
        if (now.producerId() != producer.producerId()) {
            return new Verdict.Report("transactional id " + id + " has a new producer id, so its coordinator cannot vouch for it");
        }
        boolean movedOn = now.producerEpoch() > producer.producerEpoch();
        boolean notHeld = !LIVE.contains(now.state()) || !now.topicPartitions().contains(partition);
        if (movedOn && notHeld) {
            return new Verdict.Abort(id);
        }
        return new Verdict.Report("its coordinator holds transactional id " + id + " as " + now.state() + " at epoch " + now.producerEpoch());
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
