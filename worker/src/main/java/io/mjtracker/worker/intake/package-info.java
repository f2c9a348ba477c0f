/**
 * Intake: the consumer thread ({@link io.mjtracker.worker.intake.IntakeLoop}) that polls the input
 * topic, turns records into task requests or dead letters, hands requests to tracking, and commits
 * finished work with out-of-order offset tracking ({@link io.mjtracker.worker.intake.PartitionProgress}),
 * and this instance's share of the group's rate limit, which follows the partitions it owns
 * ({@link io.mjtracker.worker.intake.BudgetShare}).
 */
package io.mjtracker.worker.intake;
