package io.mjtracker.worker.intake;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
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
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and ends hanging transactions on the group's offsets partition (KIP-664). A transactional
 * offset commit that reaches {@code __consumer_offsets} after its transaction ended leaves an open
 * transaction there that no coordinator knows of: no timeout ever aborts it, and the broker withholds
 * the committed offsets of the group's partitions for good, so the partitions this worker is assigned
 * wait forever while health stays green.
 *
 * <p>Once some partition has waited for its committed offset far longer than any live transaction of
 * this group can last, this looks at the open transactions on the group's offsets partition. One left
 * by a producer of this group's workers (a transactional id {@code mj-tracker-<group>-...}) at an epoch
 * its coordinator has moved past, or in a state that is not a live transaction, is dead: it is aborted,
 * and the log says so. Any other open transaction is named with the command that ends it, and counted
 * ({@code mjtracker_hanging_transactions}, with an alert), for an operator to decide. Runs on a thread
 * of its own: the Admin calls block.
 */
public final class HangingTransactions implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HangingTransactions.class);
    private static final String OFFSETS_TOPIC = "__consumer_offsets";
    /** Cheap while nothing waits: only a partition waiting past {@link #SUSPECT_AFTER} leads to Admin calls. */
    private static final Duration CHECK_INTERVAL = Duration.ofSeconds(5);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);
    private static final Set<TransactionState> LIVE =
            Set.of(TransactionState.ONGOING, TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT);

    /** What to do about one open transaction on the group's offsets partition. */
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
    private final String groupId;
    private final String transactionalIdPrefix;
    private final String ownTransactionalId;
    private final LongSupplier longestOffsetWaitMillis;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private volatile int unresolved;
    private volatile long aborted;

    /**
     * @param transactionalIdPrefix what every transactional id of this group's workers starts with
     * @param ownTransactionalId this worker's own transactional id
     * @param longestOffsetWaitMillis how long the partition waiting longest for its committed offset has waited
     */
    public HangingTransactions(Admin admin, String groupId, String transactionalIdPrefix, String ownTransactionalId,
            LongSupplier longestOffsetWaitMillis, Clock clock) {
        this.admin = admin;
        this.groupId = groupId;
        this.transactionalIdPrefix = transactionalIdPrefix;
        this.ownTransactionalId = ownTransactionalId;
        this.longestOffsetWaitMillis = longestOffsetWaitMillis;
        this.clock = clock;
        this.executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("hanging-transactions").daemon().factory());
    }

    /**
     * Looks once, before this worker commits anything: a hanging transaction of its own producer must be
     * gone before its first transaction, which would otherwise join it (the broker keeps an open
     * transaction's start when a later epoch of the same producer writes) and commit its stale offsets.
     * Then looks again whenever a partition has waited long for its committed offset.
     */
    public void start() {
        checkQuietly();
        executor.scheduleWithFixedDelay(this::checkIfStalled, CHECK_INTERVAL.toMillis(), CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Open transactions on the group's offsets partition found at the last check that were not aborted. */
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
        checkQuietly();
    }

    private void checkQuietly() {
        try {
            check();
        } catch (ApiException | ExecutionException | TimeoutException e) {
            LOG.warn("could not look for hanging transactions on the group's offsets ({}); the ACLs they need are in "
                    + "docs/deploy.md", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Looks at the open transactions on the group's offsets partition once, aborting the dead ones of this group. */
    void check() throws ExecutionException, TimeoutException, InterruptedException {
        int offsetsPartitions;
        try {
            offsetsPartitions = admin.describeTopics(List.of(OFFSETS_TOPIC)).allTopicNames()
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(OFFSETS_TOPIC).partitions().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return; // a new cluster: no group has committed anything yet, so nothing can hang
            }
            throw e;
        }
        TopicPartition partition = new TopicPartition(OFFSETS_TOPIC, offsetsPartitionOf(groupId, offsetsPartitions));
        List<ProducerState> open = admin.describeProducers(List.of(partition)).partitionResult(partition)
                .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).activeProducers().stream()
                .filter(producer -> producer.currentTransactionStartOffset().isPresent()).toList();
        int left = 0;
        for (ProducerState producer : open) {
            Verdict verdict = verdict(partition, producer, owner(producer.producerId()), transactionalIdPrefix, ownTransactionalId, clock.millis());
            if (verdict instanceof Verdict.Abort) {
                // Asked again right before acting: the coordinator's view must still say it is dead.
                verdict = verdict(partition, producer, owner(producer.producerId()), transactionalIdPrefix, ownTransactionalId, clock.millis());
            }
            switch (verdict) {
                case Verdict.Wait waiting -> { }
                case Verdict.Abort abort -> {
                    admin.abortTransaction(new AbortTransactionSpec(partition, producer.producerId(), (short) producer.producerEpoch(),
                            producer.coordinatorEpoch().orElse(0))).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    aborted++;
                    LOG.warn("aborted a hanging transaction on {} left by this group's producer {} (transactional id {}) at epoch {}, "
                            + "open since offset {}: the partitions waiting for their committed offsets can go on",
                            partition, producer.producerId(), abort.transactionalId(), producer.producerEpoch(),
                            producer.currentTransactionStartOffset().getAsLong());
                }
                case Verdict.Report report -> {
                    left++;
                    LOG.error("a transaction on {} has been open since offset {} (producer id {}, epoch {}): {}. The broker withholds "
                            + "the group's committed offsets until it ends. If it is hanging, end it with: kafka-transactions.sh "
                            + "--bootstrap-server <brokers> abort --topic {} --partition {} --producer-id {} --producer-epoch {} "
                            + "--coordinator-epoch {}", partition, producer.currentTransactionStartOffset().getAsLong(),
                            producer.producerId(), producer.producerEpoch(), report.why(), OFFSETS_TOPIC, partition.partition(),
                            producer.producerId(), producer.producerEpoch(), producer.coordinatorEpoch().orElse(0));
                }
            }
        }
        unresolved = left;
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
     * knows are not open there at an older epoch. Aborting one that a coordinator committed elsewhere would
     * only make the requests it covered be redone (duplicates, nothing lost); leaving it open is worse: a
     * later transaction of the same producer touching the partition would join it and commit its stale
     * offsets.
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

    /** Which partition of {@code __consumer_offsets} holds a group's offsets: Kafka's own rule. */
    static int offsetsPartitionOf(String groupId, int offsetsPartitions) {
        int hash = groupId.hashCode();
        return (hash == Integer.MIN_VALUE ? 0 : Math.abs(hash)) % offsetsPartitions;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
