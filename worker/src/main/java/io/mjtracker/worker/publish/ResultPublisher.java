package io.mjtracker.worker.publish;

import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.worker.config.TopicNames;
import io.mjtracker.worker.tracking.Completion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes final results, dead letters and checkpoints together with the input offsets they complete,
 * in one Kafka transaction, so a {@code read_committed} consumer sees each request's result exactly
 * once: either the result and the offset commit both happened, or neither did and the request is
 * redone.
 *
 * <p>It never blocks the consumer thread for longer than the producer's {@code max.block.ms} and
 * follows the transactional producer's contract for every failure: a commit or abort that times out
 * is retried as it is, never replaced by another operation ({@link Attempt.InDoubt}, then {@link
 * #resume}); an abortable error aborts; a producer that can no longer be used (fenced, a timed-out
 * transaction's epoch bumped by the coordinator) is closed and replaced by a fresh one; only missing
 * permissions and an unsupported broker are fatal. Records that would exceed the producer's request
 * size are trimmed before sending, so one oversized result cannot stall every partition.
 */
public final class ResultPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResultPublisher.class);
    /** Longest a replaced producer is given to finish its requests in flight; see {@link #retire}. */
    private static final Duration RETIRE_TIMEOUT = Duration.ofSeconds(3);

    /** How an attempt to publish ended. */
    public sealed interface Attempt {
        /** Visible to consumers; {@code checkpointOffsets} are where the transaction's checkpoints landed, in order. */
        record Committed(List<Long> checkpointOffsets) implements Attempt {}

        /** The commit or abort timed out; its fate is unknown until {@link #resume()} settles it. */
        record InDoubt(String reason) implements Attempt {}

        /** Nothing of it is visible; the same work may be published again. */
        record Aborted(String reason) implements Attempt {}
    }

    /** Publishing cannot work with this configuration: missing ACLs, or a broker without transactions. */
    public static final class FatalPublishException extends RuntimeException {
        FatalPublishException(String message, KafkaException cause) {
            super(message, cause);
        }
    }

    private final Supplier<Producer<byte[], byte[]>> producers;
    private final TopicNames topics;
    private final OutputRecords records;
    private final AbortCheck abortCheck;
    /** Per partition, the last offset a committed transaction of this run wrote: what a later abort must not undo. */
    private final Map<TopicPartition, Long> committedUpTo = new HashMap<>();
    private Producer<byte[], byte[]> producer;
    private Consumer<Producer<byte[], byte[]>> replacementListener = replaced -> { };
    private boolean initialised;
    private List<Future<RecordMetadata>> checkpointSends = List.of();
    private List<Future<RecordMetadata>> sends = List.of();
    private boolean inDoubt;
    private boolean aborting;

    /**
     * @param producers makes a transactional producer with the worker's settings; called again when
     *     one becomes unusable
     * @param maxRequestBytes the producer's {@code max.request.size}: larger records are trimmed
     * @param abortCheck told of every transaction aborted or left behind by a replaced producer
     */
    public ResultPublisher(Supplier<Producer<byte[], byte[]>> producers, TopicNames topics, RecordCodec codec, int maxRequestBytes,
            AbortCheck abortCheck) {
        this.producers = producers;
        this.topics = topics;
        this.records = new OutputRecords(topics, codec, maxRequestBytes);
        this.abortCheck = abortCheck;
    }

    /**
     * Registers the transactional id with the broker and fences older instances of it, waiting up to
     * {@code patience} for a broker that is away (a worker restarted during a broker outage).
     *
     * @throws FatalPublishException where the broker refuses the worker (no permission, no transactions)
     * @throws IllegalStateException where the broker did not answer within {@code patience}
     */
    public void start(Duration patience) {
        producer = producers.get();
        long deadline = System.nanoTime() + patience.toNanos();
        while (!initialise()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("the result producer could not register with Kafka within " + patience.toSeconds() + "s");
            }
        }
    }

    /** The producer in use, for client metrics. */
    public Producer<byte[], byte[]> producer() {
        return producer;
    }

    /** Told of every fresh producer that replaces one (client metrics follow it). Before the first publish. */
    public void onReplacement(Consumer<Producer<byte[], byte[]>> listener) {
        this.replacementListener = listener;
    }

    /** True while a commit or abort awaits {@link #resume()}: nothing new may be published until it settles. */
    public boolean inDoubt() {
        return inDoubt;
    }

    /**
     * True while the partitions an aborted transaction may have written are looked at for a missed abort
     * marker: nothing new may be published until then, or it could join the aborted records and commit them.
     */
    public boolean checkingAbort() {
        return abortCheck.running();
    }

    /**
     * Publishes {@code transaction} atomically.
     *
     * @throws FatalPublishException where no retry or new producer can succeed
     */
    public Attempt publish(Transaction transaction, ConsumerGroupMetadata group) {
        if (inDoubt) {
            throw new IllegalStateException("a transaction is in doubt; resume() it first");
        }
        if (checkingAbort()) {
            throw new IllegalStateException("an aborted transaction is being checked; wait for checkingAbort() to end");
        }
        if (!initialised && !initialise()) {
            return new Attempt.Aborted("the result producer is not initialised yet (broker unreachable?)");
        }
        // Every send is kept until the transaction ends: where its records landed is what an abort check needs.
        sends = new ArrayList<>(transaction.results().size() + transaction.deadLetters().size() + transaction.checkpoints().size());
        checkpointSends = List.of();
        try {
            producer.beginTransaction();
            for (Completion completion : transaction.results()) {
                sends.add(producer.send(records.result(completion)));
            }
            for (DeadLetter letter : transaction.deadLetters()) {
                sends.add(producer.send(records.deadLetter(letter)));
            }
            int firstCheckpoint = sends.size();
            for (Checkpoint checkpoint : transaction.checkpoints()) {
                sends.add(producer.send(new ProducerRecord<>(topics.input(), checkpoint.partition(), checkpoint.key(),
                        checkpoint.value(), Arrays.asList(checkpoint.headers()))));
            }
            checkpointSends = sends.subList(firstCheckpoint, sends.size());
            if (!transaction.offsets().isEmpty()) {
                producer.sendOffsetsToTransaction(transaction.offsets(), group);
            }
        } catch (KafkaException e) {
            return failed(e);
        }
        return commit();
    }

    /** Settles a transaction left {@link Attempt.InDoubt}: retries its commit or abort. */
    public Attempt resume() {
        if (!inDoubt) {
            throw new IllegalStateException("no transaction in doubt");
        }
        return aborting ? abort("retrying an abort that timed out") : commit();
    }

    private Attempt commit() {
        try {
            producer.commitTransaction();
        } catch (TimeoutException e) {
            // The commit may already be completing: retry the commit itself, nothing else (KafkaProducer docs).
            inDoubt = true;
            aborting = false;
            return new Attempt.InDoubt("commit not confirmed within max.block.ms: " + e.getMessage());
        } catch (KafkaException e) {
            return failed(e);
        }
        inDoubt = false;
        for (RecordMetadata landed : landed(sends)) {
            committedUpTo.merge(new TopicPartition(landed.topic(), landed.partition()), landed.offset(), Math::max);
        }
        return new Attempt.Committed(offsetsOf(checkpointSends));
    }

    private Attempt failed(KafkaException e) {
        switch (e) {
            case AuthorizationException denied -> throw new FatalPublishException(
                    "Kafka refuses the worker's transactional writes (" + denied.getMessage()
                            + "): grant the ACLs listed in docs/deploy.md", denied);
            case UnsupportedVersionException old -> throw new FatalPublishException(
                    "the Kafka cluster does not support transactions: " + old.getMessage(), old);
            case ProducerFencedException fenced -> {
                return replaceProducer(fenced);
            }
            case InvalidProducerEpochException epoch -> {
                return replaceProducer(epoch);
            }
            case OutOfOrderSequenceException sequence -> {
                return replaceProducer(sequence);
            }
            default -> {
                if (causedBy(e, RecordTooLargeException.class)) {
                    int limit = records.halveLimit();
                    LOG.warn("a record was too large for the broker or topic; trimming records above {} bytes from now on", limit);
                }
                return abort(e.toString());
            }
        }
    }

    private Attempt abort(String reason) {
        try {
            producer.abortTransaction();
        } catch (TimeoutException e) {
            inDoubt = true;
            aborting = true;
            return new Attempt.InDoubt("abort not confirmed within max.block.ms: " + e.getMessage());
        } catch (KafkaException e) {
            // Aborting failed for good (the producer is in a fatal state): a fresh producer's
            // initTransactions aborts whatever this one left open.
            return replaceProducer(e);
        }
        inDoubt = false;
        checkAbort();
        return new Attempt.Aborted(reason);
    }

    /**
     * Has the partitions the ended transaction wrote looked at. The coordinator completes an abort without
     * writing its marker to a partition that has no leader at that moment; the aborted records stay open
     * there, and the next transaction writing to the partition joins them and commits them with its own.
     */
    private void checkAbort() {
        Map<TopicPartition, Long> abortedFrom = new HashMap<>();
        for (RecordMetadata landed : landed(sends)) {
            abortedFrom.merge(new TopicPartition(landed.topic(), landed.partition()), landed.offset(), Math::min);
        }
        sends = List.of();
        abortCheck.afterAbort(Map.copyOf(committedUpTo), abortedFrom);
    }

    /** Where the sends that reached a partition landed; the others are unknown (failed, or their answer lost). */
    private static List<RecordMetadata> landed(List<Future<RecordMetadata>> sends) {
        List<RecordMetadata> landed = new ArrayList<>(sends.size());
        for (Future<RecordMetadata> send : sends) {
            if (send.state() == Future.State.SUCCESS && send.resultNow().hasOffset()) {
                landed.add(send.resultNow());
            }
        }
        return landed;
    }

    /**
     * Closes an unusable producer and starts a fresh one under the same transactional id, as Kafka
     * Streams does after a fence: its {@code initTransactions} aborts whatever the old one left open.
     */
    private Attempt replaceProducer(KafkaException cause) {
        LOG.warn("the result producer can no longer be used ({}); replacing it with a fresh one", cause.toString());
        inDoubt = false;
        aborting = false;
        initialised = false;
        retire(producer);
        producer = producers.get();
        replacementListener.accept(producer);
        initialise();
        // The fresh producer's initTransactions aborts what the old one left open (or, unregistered, the
        // coordinator's timeout does): with the same chance of a missed marker.
        checkAbort();
        return new Attempt.Aborted("producer replaced after " + cause.getClass().getSimpleName());
    }

    private boolean initialise() {
        try {
            producer.initTransactions();
            initialised = true;
        } catch (AuthorizationException e) {
            throw new FatalPublishException("Kafka refuses the worker's transactional id: grant the ACLs listed in docs/deploy.md", e);
        } catch (UnsupportedVersionException e) {
            throw new FatalPublishException("the Kafka cluster does not support transactions: " + e.getMessage(), e);
        } catch (TimeoutException e) {
            // The broker is away: initTransactions may be called again on the same producer.
            LOG.warn("the result producer cannot register with the broker yet ({}); retrying", e.getMessage());
        } catch (KafkaException e) {
            // Refused in a way the same producer cannot retry: the next attempt starts from a fresh one.
            LOG.warn("the result producer could not register ({}); retrying with a fresh one", e.toString());
            retire(producer);
            producer = producers.get();
            replacementListener.accept(producer);
        }
        return initialised;
    }

    /**
     * Closes a producer that is being replaced, waiting a little for its requests in flight. Closed at
     * once, a transactional offset commit it had sent could still reach the group coordinator after the
     * fresh producer's {@code initTransactions} ended the old transaction, and open a transaction on the
     * group's offsets that nothing ever ends (a hanging transaction: the group's committed offsets are
     * withheld for good). The wait holds the consumer thread for at most {@link #RETIRE_TIMEOUT}, on a
     * path taken only after a fence or a fatal producer error.
     */
    private static void retire(Producer<byte[], byte[]> old) {
        try {
            old.close(RETIRE_TIMEOUT);
        } catch (KafkaException e) {
            LOG.debug("closing the old producer failed: {}", e.toString());
        }
    }

    private static List<Long> offsetsOf(List<Future<RecordMetadata>> sends) {
        List<Long> offsets = new ArrayList<>(sends.size());
        for (Future<RecordMetadata> send : sends) {
            try {
                offsets.add(send.get().offset());
            } catch (ExecutionException e) {
                throw new IllegalStateException("a checkpoint of a committed transaction has no offset", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted reading checkpoint offsets", e);
            }
        }
        return offsets;
    }

    private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
