package io.mjtracker.worker.tracking;

import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * Tasks waiting for their next poll, earliest first (ties in scheduling order). A task that ended or
 * was dropped stays in the queue until it reaches the head and is skipped there: removal from the
 * middle of a heap costs O(n), and a rebalance can drop thousands at once.
 */
final class PollSchedule {

    private final PriorityQueue<TrackedTask> queue = new PriorityQueue<>(
            Comparator.comparingLong((TrackedTask task) -> task.dueAtMillis).thenComparingLong(task -> task.sequence));
    private long sequence;

    void schedule(TrackedTask task, long dueAtMillis) {
        task.dueAtMillis = dueAtMillis;
        task.sequence = sequence++;
        queue.add(task);
    }

    /** The live task due first, or null; dead entries at the head are discarded on the way. */
    TrackedTask peek() {
        TrackedTask head = queue.peek();
        while (head != null && head.ended) {
            queue.poll();
            head = queue.peek();
        }
        return head;
    }

    TrackedTask poll() {
        TrackedTask head = peek();
        return head == null ? null : queue.poll();
    }

    int size() {
        return queue.size();
    }
}
