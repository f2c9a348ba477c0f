/**
 * Intake: the consumer thread ({@link io.mjtracker.worker.intake.IntakeLoop}) that polls the input
 * topic, turns records into task requests or dead letters, hands requests to tracking, and commits
 * finished work with out-of-order offset tracking ({@link io.mjtracker.worker.intake.PartitionProgress}),
 * and this instance's share of the group's rate limit, which follows the partitions it owns
 * ({@link io.mjtracker.worker.intake.BudgetShare}). Two watchers on their own threads end stalls the
 * consumer cannot see: transactions the broker left open ({@link io.mjtracker.worker.intake.HangingTransactions})
 * and partitions no member of the group owns ({@link io.mjtracker.worker.intake.GroupCoverage}).
 */
package io.mjtracker.worker.intake;
