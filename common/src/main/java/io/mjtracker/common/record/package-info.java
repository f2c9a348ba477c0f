/**
 * The records mj-tracker publishes ({@link io.mjtracker.common.record.StatusUpdate}, {@link
 * io.mjtracker.common.record.FinalResult}), their JSON codec, and the topic and header names of the
 * contract. docs/records.md describes the JSON shapes.
 */
package io.mjtracker.common.record;
