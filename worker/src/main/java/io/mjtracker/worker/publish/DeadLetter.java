package io.mjtracker.worker.publish;

import io.mjtracker.worker.intake.DeadLetterReason;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** An input record refused by intake, with the original bytes and why. */
public record DeadLetter(ConsumerRecord<byte[], byte[]> original, DeadLetterReason reason, String detail) {}
