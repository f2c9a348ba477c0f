package io.mjtracker.worker.publish;

import io.mjtracker.worker.intake.DeadLetterReason;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * An input record refused by intake, with the original bytes and why.
 *
 * @param assignment which assignment of its partition read it: a dead letter of an earlier assignment is
 *     not published, since the partition's next owner (this worker again, or another) reads the record again
 */
public record DeadLetter(ConsumerRecord<byte[], byte[]> original, DeadLetterReason reason, String detail, long assignment) {}
